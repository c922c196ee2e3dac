package audit_test

import (
	"context"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// instant is the simulator's state right after the archive caught up with it.
type instant struct {
	at   time.Time
	emps []ukgsim.Employment
	gt   ukgsim.GroundTruth // the advance before it (zero for the baseline)
}

// removedKeys are the employees present at the first instant and gone at the last.
func removedKeys(instants []instant) []string {
	last := map[string]bool{}
	for _, e := range instants[len(instants)-1].emps {
		last[e.CompanyID+"/"+e.EmployeeID] = true
	}
	var out []string
	for _, e := range instants[0].emps {
		if k := e.CompanyID + "/" + e.EmployeeID; !last[k] {
			out = append(out, k)
		}
	}
	return out
}

// history builds an archive over a baseline and six advances with hires,
// terminations, rehires, job and pay changes, and returns the instants.
func history(t *testing.T) (*pipeline, []instant) {
	t.Helper()
	employees := 250
	if testing.Short() {
		employees = 120
	}
	p := newPipeline(t, ukgsim.Config{Employees: employees, Companies: 3, Seed: 14, Start: "2026-01-05"})
	var out []instant
	snap := func(gt ukgsim.GroundTruth) {
		p.step()
		out = append(out, instant{at: time.Now().UTC(), emps: p.sim.Employments(), gt: gt})
	}
	snap(ukgsim.GroundTruth{})
	for i := range 6 {
		// From the second advance on, one employee is purged from the
		// tenant each time; every run is a full reconciliation
		// (EXTRACTOR_FULL_EVERY below the advance), so it sees them go.
		// Job-history rows are deleted or corrected (about half each) too.
		gt, err := p.sim.AdvanceWith(25, ukgsim.AdvanceOptions{Removals: min(i, 1), Corrections: 2})
		if err != nil {
			t.Fatal(err)
		}
		snap(gt)
	}
	// AUDIT_KEEP=DIR keeps a copy of the archive (docs/audit.md's examples).
	if dir := os.Getenv("AUDIT_KEEP"); dir != "" {
		if err := exec.Command("cp", "-r", p.root, dir).Run(); err != nil {
			t.Fatal(err)
		}
	}
	return p, out
}

func openArchive(t *testing.T, root, prefix string) *audit.Archive {
	t.Helper()
	a, err := audit.Open(context.Background(), audit.Config{
		Archive: archive.Config{Output: root}, TopicPrefix: prefix, CacheDir: t.TempDir()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func rat(t *testing.T, v any) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(audit.Cell(v, ""))
	if !ok {
		t.Fatalf("not a number: %v", v)
	}
	return r
}

// column returns a row's value by column name.
func column(res *audit.Result, row []any, name string) any {
	i := slices.Index(res.Columns, name)
	if i < 0 {
		panic("no column " + name)
	}
	return row[i]
}

func TestAuditAgreesWithSimulator(t *testing.T) {
	p, instants := history(t)
	ctx := context.Background()
	a := openArchive(t, p.root, "ukgpro.")
	last := instants[len(instants)-1]

	t.Run("timeline equals the simulator's history", func(t *testing.T) {
		first := map[string]int{}
		for _, e := range instants[0].emps {
			first[e.CompanyID+"/"+e.EmployeeID] = len(e.History)
		}
		checked := 0
		for _, e := range last.emps {
			key := e.CompanyID + "/" + e.EmployeeID
			if n, ok := first[key]; ok && n == len(e.History) && checked%7 != 0 {
				continue // mostly employees who changed during the advances, hires included
			}
			if checked++; checked > 25 {
				break
			}
			res, err := a.Timeline(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]map[string]string{}
			for _, r := range res.Rows {
				if column(res, r, "topic") != "job-history" {
					continue
				}
				id := audit.Cell(column(res, r, "record"), "")
				switch column(res, r, "change") {
				case "deleted":
					delete(got, id)
					continue
				case "new", "changed":
				default:
					continue
				}
				if got[id] == nil {
					got[id] = map[string]string{}
				}
				got[id][audit.Cell(column(res, r, "field"), "")] = audit.Cell(column(res, r, "after"), "")
			}
			if len(got) != len(e.History) {
				t.Errorf("%s: timeline has %d job-history rows, the simulator %d", key, len(got), len(e.History))
				continue
			}
			for _, h := range e.History {
				g := got[h.SystemID]
				if g == nil {
					t.Errorf("%s: job-history row %s missing from the timeline", key, h.SystemID)
					continue
				}
				if !strings.HasPrefix(g["jobEffectiveDate"], h.EffectiveDate) || g["jobCode"] != h.JobCode ||
					g["employeeStatus"] != h.Status || rat(t, g["annualSalary"]).Cmp(rat(t, h.AnnualSalary)) != 0 {
					t.Errorf("%s row %s: timeline %v, simulator %+v", key, h.SystemID, g, h)
				}
			}
		}
		if checked < 10 {
			t.Fatalf("only %d employees checked", checked)
		}
		removed := removedKeys(instants)
		if len(removed) < 4 {
			t.Fatalf("only %d removals", len(removed))
		}
		for _, key := range removed {
			res, err := a.Timeline(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			deleted := map[any]bool{}
			for _, r := range res.Rows {
				if column(res, r, "change") == "deleted" {
					deleted[column(res, r, "topic")] = true
				}
			}
			for _, topic := range []string{"employees", "people", "compensation", "job-history"} {
				if !deleted[topic] {
					t.Errorf("timeline of removed %s shows no deletion in %s", key, topic)
				}
			}
			if !slices.ContainsFunc(res.Rows, func(r []any) bool { return column(res, r, "change") == "employee.removed" }) {
				t.Errorf("timeline of removed %s has no employee.removed event", key)
			}
		}
	})

	t.Run("timeline shows deleted and corrected job-history rows", func(t *testing.T) {
		var deleted, corrected int
		for _, in := range instants {
			for _, evs := range []struct {
				list   []ukgsim.Event
				change string
				n      *int
			}{{in.gt.JobHistoryDeleted, "deleted", &deleted}, {in.gt.JobHistoryCorrected, "changed", &corrected}} {
				for _, ev := range evs.list {
					*evs.n++
					key := ev.CompanyID + "/" + ev.EmployeeID
					res, err := a.Timeline(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.ContainsFunc(res.Rows, func(r []any) bool {
						return column(res, r, "topic") == "job-history" && column(res, r, "record") == ev.SystemID &&
							column(res, r, "change") == evs.change
					}) {
						t.Errorf("timeline of %s has no %s row for job-history %s", key, evs.change, ev.SystemID)
					}
				}
			}
		}
		if deleted == 0 || corrected == 0 {
			t.Fatalf("the advances deleted %d and corrected %d job-history rows; want some of each", deleted, corrected)
		}
	})

	t.Run("as-of equals the simulator at each instant", func(t *testing.T) {
		for k, in := range instants {
			res, err := a.AsOf(ctx, audit.AsOfQuery{KnownAt: in.at})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]any{}
			for _, r := range res.Rows {
				got[audit.Cell(column(res, r, "key"), "")] = r
			}
			if len(got) != len(in.emps) {
				t.Errorf("instant %d: as-of has %d employees, the simulator %d", k, len(got), len(in.emps))
			}
			bad := 0
			for _, e := range in.emps {
				key := e.CompanyID + "/" + e.EmployeeID
				r, ok := got[key]
				switch {
				case !ok:
					t.Errorf("instant %d: %s missing", k, key)
					bad++
				case column(res, r, "status") != e.Status || column(res, r, "job_code") != e.JobCode ||
					rat(t, column(res, r, "annual_salary")).Cmp(rat(t, e.AnnualSalary)) != 0:
					t.Errorf("instant %d: %s as-of status %v job %v salary %v, simulator %s %s %s", k, key,
						column(res, r, "status"), column(res, r, "job_code"), column(res, r, "annual_salary"), e.Status, e.JobCode, e.AnnualSalary)
					bad++
				}
				if bad > 5 {
					t.Fatal("too many differences")
				}
			}
		}
	})

	t.Run("as-of effective-at equals the simulator's job history", func(t *testing.T) {
		for _, day := range []string{"2024-06-30", "2026-02-01", "2026-04-15", "2026-06-30"} {
			d, _ := time.Parse(time.DateOnly, day)
			res, err := a.AsOf(ctx, audit.AsOfQuery{KnownAt: last.at, EffectiveAt: &d})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]any{}
			for _, r := range res.Rows {
				got[audit.Cell(column(res, r, "key"), "")] = r
			}
			want := 0
			for _, e := range last.emps {
				var in *ukgsim.JobRow
				for i := range e.History {
					h := &e.History[i]
					if h.EffectiveDate <= day && (in == nil || h.EffectiveDate > in.EffectiveDate ||
						h.EffectiveDate == in.EffectiveDate && h.Created > in.Created) {
						in = h
					}
				}
				key := e.CompanyID + "/" + e.EmployeeID
				r, ok := got[key]
				if in == nil {
					if ok {
						t.Errorf("%s: %s in effect on %s, but the simulator has no row by then", day, key, day)
					}
					continue
				}
				want++
				if !ok || column(res, r, "effective_system_id") != in.SystemID || column(res, r, "effective_status") != in.Status ||
					column(res, r, "effective_job_code") != in.JobCode {
					t.Errorf("%s: %s effective row %v, simulator %+v", day, key, r, *in)
				}
			}
			if want != len(got) || want == 0 {
				t.Errorf("%s: %d employees in effect, simulator %d", day, len(got), want)
			}
		}
	})

	t.Run("history intervals are contiguous with one current row per live key", func(t *testing.T) {
		live := map[string]bool{}
		for _, e := range last.emps {
			live[e.CompanyID+"/"+e.EmployeeID] = true
		}
		for _, topic := range []string{"employees", "job-history", "compensation"} {
			res, err := a.History(ctx, topic, "")
			if err != nil {
				t.Fatal(err)
			}
			current := map[string]int{}
			type rec struct{ key, id string }
			var prev rec
			var prevTo any
			for i, r := range res.Rows {
				cur := rec{audit.Cell(column(res, r, "key"), ""), audit.Cell(column(res, r, "record_id"), "")}
				from, to := column(res, r, "valid_from"), column(res, r, "valid_to")
				if i > 0 && cur == prev && !prevTo.(time.Time).Equal(from.(time.Time)) {
					t.Errorf("%s %v: interval starts at %v, previous ended at %v", topic, cur, from, prevTo)
				}
				if i > 0 && cur != prev && prevTo != nil {
					t.Errorf("%s %v: last version has valid_to %v", topic, prev, prevTo)
				}
				if to != nil && to.(time.Time).Before(from.(time.Time)) {
					t.Errorf("%s %v: valid_to %v before valid_from %v", topic, cur, to, from)
				}
				if column(res, r, "is_current") == true {
					if to != nil {
						t.Errorf("%s %v: current row with valid_to %v", topic, cur, to)
					}
					current[cur.key]++
				}
				prev, prevTo = cur, to
			}
			for k := range live {
				if current[k] == 0 {
					t.Errorf("%s: live key %s has no current row", topic, k)
				}
				if topic != "job-history" && current[k] != 1 {
					t.Errorf("%s: live key %s has %d current rows", topic, k, current[k])
				}
			}
			for k := range current {
				if !live[k] {
					t.Errorf("%s: removed key %s has a current row", topic, k)
				}
			}
		}
	})

	t.Run("nothing is dead-lettered", func(t *testing.T) {
		dlq, err := a.Files(ctx, "ukgpro.dlq")
		if err != nil {
			t.Fatal(err)
		}
		if len(dlq) != 0 {
			t.Errorf("the archive holds %d dead-letter files", len(dlq))
		}
		if n := len(testenv.Messages(t, p.kc.Brokers, "ukgpro.dlq")); n != 0 {
			t.Errorf("the dead-letter topic holds %d messages", n)
		}
	})

	t.Run("verify passes, alone and against the brokers", func(t *testing.T) {
		for _, kc := range []*kafkax.Config{nil, &p.kc} {
			rep, err := a.Verify(ctx, kc)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || len(rep.Topics) < 5 {
				t.Errorf("verify (brokers: %v): %d topics, defects %+v", kc != nil, len(rep.Topics), rep.Defects)
			}
		}
	})

	t.Run("diff finds a changed row", func(t *testing.T) { diffFindsAChange(t, p.root) })

	t.Run("an s3:// archive reads as the local one", func(t *testing.T) {
		s3Agrees(t, p.root, last.emps[0].CompanyID+"/"+last.emps[0].EmployeeID)
	})

	t.Run("verify catches each planted defect", func(t *testing.T) {
		plantDefects(t, p.root)
	})

	t.Run("replay into new topics and a new loader group gives an equal archive", func(t *testing.T) {
		kc := p.kc
		kc.TopicPrefix = "replay."
		for _, name := range []string{"employees", "people", "job-history", "compensation", "lifecycle"} {
			parts, err := a.Partitions(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			prod, err := audit.NewProducer(ctx, &kc, name, kc.Topic(name), parts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Replay(ctx, name, time.Time{}, prod.Emit(ctx)); err != nil {
				t.Fatal(err)
			}
			if err := prod.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := kafkax.EnsureTopics(ctx, &kc, kafkax.DataTopics...); err != nil {
			t.Fatal(err)
		}
		root := filepath.Join(t.TempDir(), "replayed")
		p.drain(kc, "replay-loader", root)
		rep, err := audit.Diff(ctx, a, openArchive(t, root, "replay."))
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Equal {
			var b strings.Builder
			rep.Topics.Write(&b, audit.FormatCSV)
			rep.Samples.Write(&b, audit.FormatCSV)
			t.Errorf("diff found differences:\n%s", b.String())
		}
	})
}
