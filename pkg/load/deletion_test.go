package load

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// deletion is a message with a null value as the extractor publishes it:
// a tombstone (recordID "") or a vanished job-history row.
func deletion(key, recordID string, i int) kafka.Message {
	m := kafka.Message{
		Key:  []byte(key),
		Time: baseTime.Add(time.Duration(i) * 90 * time.Second),
		Headers: []kafka.Header{
			{Key: "ce_id", Value: []byte(fmt.Sprintf("del-%d", i))},
			{Key: "ce_type", Value: []byte("com.ukgpro.deleted")},
		},
	}
	if recordID != "" {
		m.Headers = append(m.Headers, kafka.Header{Key: "ukg_record_id", Value: []byte(recordID)})
	}
	return m
}

func TestDeletionsAreArchivedAsRowsNotDeadLettered(t *testing.T) {
	kc := testKafka(t, 1)
	root := t.TempDir()
	emp, jh, dlq := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory), kc.Topic(kafkax.DLQ)

	// Employees 0-9, then employee 3 and 7 deleted; 7 comes back.
	msgs := employees(0, 10)
	msgs = append(msgs, deletion(string(employee(3).Key), "", 10), deletion(string(employee(7).Key), "", 11), employee(7))
	produce(t, kc, emp, msgs...)
	// Job-history rows 0-5 (two employees, three rows each), then row 4 deleted.
	rows := gen(jobHistory, 0, 6)
	rows = append(rows, deletion(string(jobHistory(4).Key), "S00000004", 6))
	produce(t, kc, jh, rows...)

	cfg := testConfig()
	cfg.Drain = true
	if err := wait(t, runLoader(t, context.Background(), cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	exactness(t, db, root, jh, highWaterMarks(t, kc, jh))
	for p, end := range highWaterMarks(t, kc, dlq) {
		if end != 0 {
			t.Fatalf("DLQ partition %d holds %d messages: nothing may be dead-lettered", p, end)
		}
	}

	// The deletion rows: metadata kept, typed columns and _raw null.
	got := duckStrings(t, db, fmt.Sprintf(`SELECT _kafka_offset || '|' || _key || '|' || _event_id || '|' || coalesce(_record_hash, 'null') || '|' ||
		(company_id IS NULL AND employee_id IS NULL AND annual_salary IS NULL AND _raw IS NULL)
		FROM read_parquet('%s') WHERE _deleted ORDER BY _kafka_offset`, glob(root, emp)))
	want := []string{
		fmt.Sprintf("10|%s|del-10|null|true", employee(3).Key),
		fmt.Sprintf("11|%s|del-11|null|true", employee(7).Key),
	}
	if join(got) != join(want) {
		t.Fatalf("employee deletion rows\n%v\nwant\n%v", got, want)
	}
	// Every other row says _deleted = false (never null).
	if n := duckStrings(t, db, fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s') WHERE NOT _deleted AND _raw IS NOT NULL AND company_id IS NOT NULL`, glob(root, emp))); n[0] != "11" {
		t.Fatalf("%s live employee rows, want 11", n[0])
	}
	// The current state (latest row per key, not deleted): 9 employees, 7 back.
	cur := duckStrings(t, db, fmt.Sprintf(`SELECT count(*) || '|' || bool_or(_key = '%s') || '|' || bool_or(_key = '%s') FROM (
		SELECT * FROM read_parquet('%s') QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_offset DESC) = 1) WHERE _deleted IS NOT TRUE`,
		employee(3).Key, employee(7).Key, glob(root, emp)))
	if cur[0] != "9|false|true" {
		t.Fatalf("current employees (count|has 3|has 7) = %s, want 9|false|true", cur[0])
	}

	// Job history: the deleted row is named by _record_id; the current rows
	// per (key, row identity) leave it out.
	jrows := duckStrings(t, db, fmt.Sprintf(`SELECT _key || '|' || _record_id || '|' || (system_id IS NULL) FROM read_parquet('%s') WHERE _deleted`, glob(root, jh)))
	if want := fmt.Sprintf("%s|S00000004|true", jobHistory(4).Key); join(jrows) != want {
		t.Fatalf("job-history deletion rows %v, want %s", jrows, want)
	}
	live := duckStrings(t, db, fmt.Sprintf(`SELECT string_agg(coalesce(_record_id, system_id), ',' ORDER BY coalesce(_record_id, system_id)) FROM (
		SELECT * FROM read_parquet('%s')
		QUALIFY row_number() OVER (PARTITION BY _key, coalesce(_record_id, system_id) ORDER BY _kafka_offset DESC) = 1) WHERE _deleted IS NOT TRUE`, glob(root, jh)))
	if live[0] != "S00000000,S00000001,S00000002,S00000003,S00000005" {
		t.Fatalf("current job-history rows %s", live[0])
	}
}
