package extract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// vanished deletes, after a complete full pass, the records the state
// knows that the API no longer has: each gets a deletion message (a null
// value; job-history rows name their systemId in ukg_record_id), and the
// state forgets it once Kafka acknowledged that message (commit). The
// mass-delete guard comes first: over EXTRACTOR_MAX_DELETE_RATIO, nothing
// is deleted and the endpoint fails with a *MassDeleteError.
func (er *endpointRun) vanished(ctx context.Context, tenantNow time.Time) error {
	// Records of companies outside the scope were not read: not having met
	// them proves nothing.
	missing := slices.DeleteFunc(er.recs.unseen(), func(ident string) bool { return !er.inScope(ident) })
	if err := er.guard(len(missing)); err != nil {
		return err
	}
	gone, err := er.confirmGone(ctx, missing)
	if err != nil {
		return err
	}
	if len(gone) == 0 {
		return nil
	}
	slices.Sort(gone)
	msgs := make([]kafka.Message, 0, len(gone))
	pend := make([]pending, 0, len(gone))
	for _, ident := range gone {
		msgs = append(msgs, er.deletionMessage(ident, tenantNow))
		pend = append(pend, pending{ident: ident, msg: len(msgs) - 1})
	}
	er.rep.Tombstones = len(msgs)
	er.log.Info("records vanished from the API", "count", len(gone))
	if err := er.commit(ctx, msgs, pend); err != nil {
		return fmt.Errorf("delete vanished records: %w", err)
	}
	return nil
}

// confirmGone asks UKG for each employee whose records a full read did not
// return, and returns the identities UKG no longer has. A paged read is not
// proof of absence: rows that move while a list is paged (a hire sorted in
// before the reader's position) can be missed. Records the employee still
// has are published like any other (usually unchanged: nothing is sent).
func (er *endpointRun) confirmGone(ctx context.Context, missing []string) ([]string, error) {
	if len(missing) == 0 {
		return nil, nil
	}
	if er.r.coded() {
		return er.confirmGoneByRereading(ctx, missing)
	}
	byKey := map[string][]string{}
	for _, ident := range missing {
		key, _ := splitIdentity(ident)
		byKey[key] = append(byKey[key], ident)
	}
	var gone []string
	for key, idents := range byKey {
		company, employee, _ := cut(key, '/')
		if er.r.homeCompany {
			company = "" // the rows carry none; publish keys them again
		}
		recs, err := er.x.src.Employee(ctx, er.r.ep, company, employee)
		er.rep.Calls++
		if errors.Is(err, ukgpro.ErrNotFound) {
			gone = append(gone, idents...)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("confirm that %s is gone: %w", key, err)
		}
		if err := er.publish(ctx, recs); err != nil {
			return nil, err
		}
		for _, ident := range idents {
			if !er.recs.seen(ident) {
				gone = append(gone, ident)
			}
		}
	}
	return gone, nil
}

// confirmGoneByRereading confirms the absence of configuration rows (keyed
// by code, not by employee) with a second read of the whole table, which is
// small: a row missing from both reads is gone. Rows the second read meets
// are published like any other.
func (er *endpointRun) confirmGoneByRereading(ctx context.Context, missing []string) ([]string, error) {
	for page, err := range er.x.src.Pages(ctx, er.r.ep, ukgpro.Query{}) {
		if err != nil {
			return nil, fmt.Errorf("confirm that %d records are gone: %w", len(missing), err)
		}
		er.rep.Calls++
		if err := er.publish(ctx, page.Records); err != nil {
			return nil, err
		}
	}
	var gone []string
	for _, ident := range missing {
		if !er.recs.seen(ident) {
			gone = append(gone, ident)
		}
	}
	return gone, nil
}

// inScope reports whether a record identity belongs to the run's company
// scope (EXTRACTOR_COMPANIES); tenant-wide routes are always in it.
func (er *endpointRun) inScope(ident string) bool {
	return er.r.tenantWide || er.x.scope.hasIdentity(ident)
}

func splitIdentity(ident string) (key, row string) {
	// identity = topic|company/employee[|row]
	_, rest, _ := cut(ident, '|')
	key, row, _ = cut(rest, '|')
	return key, row
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
