package extract

import (
	"bytes"
	"encoding/hex"
	"encoding/json"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/jsonscan"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// The job-history row index: what employment's lifecycle events take from
// this run's job-history rows (their effective dates and sources).

// histRow is what lifecycle events take from a job-history row. It is kept
// per employee for a whole run (200,000 of them), so it is compact: the
// effective date and the ce_id as fixed bytes.
type histRow struct {
	eff       [10]byte // YYYY-MM-DD
	job, rate bool
	ceID      [16]byte // the row's ce_id (an eventID), decoded
	hasID     bool     // false: the ce_id was not an eventID (never, in practice)
	created   string
}

// rowIndex holds the newest job-history row per employee, keyed by keyOf of
// "<company>/<employee>".
type rowIndex map[recordKey]histRow

func newRowIndex() rowIndex { return rowIndex{} }

// get returns the newest row of the employee with Kafka key key.
func (ri rowIndex) get(key string) (histRow, bool) {
	row, ok := ri[keyOf(key)]
	return row, ok
}

// note keeps raw (a job-history row, valid JSON) as the employee's newest
// row if it is newer than the one kept. It reads the few members it needs
// with a scan of the top level, as encoding/json would decode them into
// pointer fields (names matched case-insensitively, the last occurrence
// wins, null unsets), and skips a row whose members have the wrong type.
func (ri rowIndex) note(key string, raw []byte, ceID string) {
	var (
		eff, created       []byte // nil: absent or null
		job, rate, typeErr bool
		flags              [5]int8 // isJobChange, isOrgchange, isTransfer, isPromotion, isRateChange: -1 null/absent, 0 false, 1 true
	)
	for i := range flags {
		flags[i] = -1
	}
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return
	}
	for i = jsonscan.SkipSpace(raw, i+1); i < len(raw) && raw[i] == '"'; {
		kEnd := jsonscan.StringEnd(raw, i)
		name := raw[i+1 : kEnd-1]
		i = jsonscan.SkipSpace(raw, jsonscan.SkipSpace(raw, kEnd)+1) // past ':'
		vEnd := jsonscan.ValueEnd(raw, i)
		v := raw[i:vEnd]
		switch f := histField(name); {
		case len(v) == 0: // not valid JSON: cannot happen (the callers' values are)
			typeErr = true
		case f == hfNone:
		case f == hfEff || f == hfCreated:
			var str []byte
			switch {
			case string(v) == "null":
			case v[0] == '"':
				str = jsonString(v)
			default:
				typeErr = true
			}
			if f == hfEff {
				eff = str
			} else {
				created = str
			}
		default:
			switch string(v) {
			case "null":
				flags[f-hfJob] = -1
			case "true":
				flags[f-hfJob] = 1
			case "false":
				flags[f-hfJob] = 0
			default:
				typeErr = true
			}
		}
		i = jsonscan.SkipSpace(raw, vEnd)
		if i < len(raw) && raw[i] == ',' {
			i = jsonscan.SkipSpace(raw, i+1)
		}
	}
	if typeErr || len(eff) < 10 {
		return
	}
	for _, f := range flags[:4] {
		job = job || f == 1
	}
	rate = flags[4] == 1
	row := histRow{eff: [10]byte(eff[:10]), job: job, rate: rate, created: string(created)}
	if id, err := hex.DecodeString(ceID); err == nil && len(id) == len(row.ceID) {
		row.ceID, row.hasID = [16]byte(id), true
	}
	k := keyOf(key)
	if old, ok := ri[k]; ok && (bytes.Compare(old.eff[:], row.eff[:]) > 0 || old.eff == row.eff && old.created > row.created) {
		return
	}
	ri[k] = row
}

const (
	hfNone = iota
	hfEff
	hfCreated
	hfJob // then hfOrg, hfTransfer, hfPromotion, hfRate, in this order
	hfOrg
	hfTransfer
	hfPromotion
	hfRate
)

// histField names the job-history member note reads (case-insensitively, as
// encoding/json matches names).
func histField(name []byte) int {
	if bytes.IndexByte(name, '\\') >= 0 {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, name...), '"'), &s) != nil {
			return hfNone
		}
		name = []byte(s)
	}
	for f, n := range [...]string{hfEff: "jobEffectiveDate", hfCreated: "dateTimeCreated", hfJob: "isJobChange",
		hfOrg: "isOrgchange", hfTransfer: "isTransfer", hfPromotion: "isPromotion", hfRate: "isRateChange"} {
		if n != "" && len(name) == len(n) && bytes.EqualFold(name, []byte(n)) {
			return f
		}
	}
	return hfNone
}

// jsonString decodes a JSON string literal (a slice of it when unescaped).
func jsonString(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1]
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return nil
	}
	return []byte(s)
}

// date gives a derived event the effective date of the employee's newest
// job-history row when that row records this kind of change, and returns
// the event's sources (the employment record's ce_id, then the row's).
func (row histRow) date(d *derived, hasRow bool, ceID string) []string {
	sources := []string{ceID}
	if hasRow && (d.event == schema.EventJobChanged && row.job || d.event == schema.EventCompensationChanged && row.rate) {
		d.effective = string(row.eff[:])
		id := ""
		if row.hasID {
			id = hex.EncodeToString(row.ceID[:])
		}
		sources = append(sources, id)
	}
	return sources
}
