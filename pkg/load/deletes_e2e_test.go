package load

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/ledger"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// TestDeletesEndToEnd: the simulator (over HTTP) removes employees and
// deletes and corrects job-history rows across several advances; the
// extractor (incremental runs and full passes) publishes the deletions and
// one employee.removed per removed employee; the loader archives all of
// it. Then the archive's current state of every topic (latest row per
// record, deletions excluded) equals what the simulator serves, exactly;
// Kafka holds every version once and each vanished record's deletion once
// (ledger); and nothing was dead-lettered on the way.
func TestDeletesEndToEnd(t *testing.T) {
	employees, steps := 600, 6
	if testing.Short() {
		employees, steps = 250, 4
	}
	p := pipeline.Start(t, ukgsim.Config{Employees: employees, Companies: 3, Seed: 14})
	kc := *p.Kafka
	root := t.TempDir()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	led := ledger.New(pipeline.Redactor(t, reg))

	// Each run is a fresh extractor, as a CronJob's would be.
	run := func(mode string) *extract.Report {
		t.Helper()
		rep := p.Run(func(c *extract.Config) { c.Mode = mode })
		led.Note(t, p.Sim)
		return rep
	}
	// The tenant changes through its HTTP control route, as an operator's.
	advance := func(days, removals, corrections int) ukgsim.GroundTruth {
		t.Helper()
		resp, err := http.Post(fmt.Sprintf("%s/_sim/advance?days=%d&removals=%d&corrections=%d", p.SimURL, days, removals, corrections), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var gt ukgsim.GroundTruth
		if err := json.NewDecoder(resp.Body).Decode(&gt); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("advance: HTTP %d, %v", resp.StatusCode, err)
		}
		return gt
	}
	drain := func() {
		t.Helper()
		cfg := testConfig()
		cfg.Drain = true
		if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 2*time.Minute); err != nil {
			t.Fatal(err)
		}
	}

	run("incremental") // the baseline is a full pass
	var removed, histDeleted []string
	deletions := 0
	for i := range steps {
		gt := advance(20, 3, 4)
		for _, e := range gt.Removed {
			removed = append(removed, e.CompanyID+"/"+e.EmployeeID)
		}
		for _, e := range gt.JobHistoryDeleted {
			histDeleted = append(histDeleted, e.CompanyID+"/"+e.EmployeeID+"|"+e.SystemID)
		}
		mode := "incremental" // deletes nothing: only a full pass may
		if i%2 == 1 {
			mode = "full"
		}
		rep := run(mode)
		for _, r := range rep.Endpoints {
			deletions += r.Tombstones
		}
		if i == steps/2 {
			drain() // the archive grows over several drains
		}
	}
	run("full")
	drain()
	if len(removed) == 0 || len(histDeleted) == 0 || deletions == 0 {
		t.Fatalf("the test needs removals (%d), job-history deletions (%d) and deletions published (%d)", len(removed), len(histDeleted), deletions)
	}

	t.Logf("removed %d employees, UKG deleted %d job-history rows; %d deletions published", len(removed), len(histDeleted), deletions)
	// Kafka: every version once, every vanished record deleted once.
	led.Check(t, kc.Brokers, kc.TopicPrefix)

	// The archive's current state per topic is the simulator's live set.
	db := openDuck(t)
	for _, topic := range []string{kafkax.Employees, kafkax.People, kafkax.Compensation, kafkax.JobHistory} {
		full := kc.Topic(topic)
		exactness(t, db, root, full, highWaterMarks(t, kc, full))
		rows := duckStrings(t, db, fmt.Sprintf(`SELECT _key || coalesce('|' || _record_id, '') || '=' || _record_hash
			FROM read_parquet('%s', hive_partitioning=true, union_by_name=true)
			QUALIFY row_number() OVER (PARTITION BY _key, _record_id ORDER BY _kafka_offset DESC) = 1 AND _deleted IS NOT TRUE
			ORDER BY 1`, glob(root, full)))
		var want []string
		for ident, h := range led.Live(topic) {
			want = append(want, ident+"="+h)
		}
		slices.Sort(want)
		if !slices.Equal(rows, want) {
			t.Errorf("%s: the archive's current state (%d records) is not the simulator's live set (%d records)\n%s",
				topic, len(rows), len(want), firstDiff(rows, want))
		}
	}
	// The job-history rows UKG deleted are deletion rows naming the row.
	got := duckStrings(t, db, fmt.Sprintf(`SELECT _key || '|' || _record_id FROM read_parquet('%s', union_by_name=true)
		WHERE _deleted AND system_id IS NULL AND _raw IS NULL`, glob(root, kc.Topic(kafkax.JobHistory))))
	for _, id := range histDeleted {
		if !slices.Contains(got, id) {
			t.Errorf("job-history row %s deleted by UKG has no deletion row in the archive", id)
		}
	}
	// One employee.removed per removed employee.
	ev := duckStrings(t, db, fmt.Sprintf(`SELECT key || ' ' || sources FROM read_parquet('%s', union_by_name=true)
		WHERE event = '%s' ORDER BY 1`, glob(root, kc.Topic(kafkax.Lifecycle)), schema.EventRemoved))
	slices.Sort(removed)
	var evKeys []string
	for _, e := range ev {
		k, sources, _ := strings.Cut(e, " ")
		evKeys = append(evKeys, k)
		if !strings.Contains(sources, kc.Topic(kafkax.Employees)) {
			t.Errorf("removal of %s: sources %s lack the employees topic", k, sources)
		}
	}
	if !slices.Equal(evKeys, removed) {
		t.Errorf("employee.removed events for %v, want %v", evKeys, removed)
	}
	// Nothing dead-lettered, by the extractor or the loader.
	if hw := highWaterMarks(t, kc, kc.Topic(kafkax.DLQ)); slices.ContainsFunc(slices.Collect(maps.Values(hw)), func(n int64) bool { return n > 0 }) {
		t.Errorf("dead letters: %v", hw)
	}
}

// firstDiff names the first few lines in one sorted list and not the other.
func firstDiff(a, b []string) string {
	var out []string
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok && len(out) < 5 {
			out = append(out, "archive only: "+x)
		}
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(a, x); !ok && len(out) < 10 {
			out = append(out, "simulator only: "+x)
		}
	}
	return strings.Join(out, "\n")
}
