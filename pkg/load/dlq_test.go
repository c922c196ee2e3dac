package load

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

func TestPoisonMessagesGoToDLQAndTheRestIsArchived(t *testing.T) {
	kc := testKafka(t, 1) // one partition: the bad messages sit between good ones
	root := t.TempDir()
	emp, dlq := kc.Topic(kafkax.Employees), kc.Topic(kafkax.DLQ)

	corrupt := employee(1000)
	corrupt.Value = []byte(`{"companyID":"C0001","employeeID":`)
	violation := employee(1001)
	violation.Value = []byte(`{"companyID":"C0001","employeeID":"E1","annualSalary":"lots"}`)
	var msgs []kafka.Message
	msgs = append(msgs, employees(0, 20)...)
	msgs = append(msgs, corrupt)
	msgs = append(msgs, employees(20, 40)...)
	msgs = append(msgs, violation)
	msgs = append(msgs, employees(40, 60)...)
	produce(t, kc, emp, msgs...)

	cfg := testConfig()
	cfg.Drain = true
	ctx := context.Background()
	if err := wait(t, runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
		t.Fatal(err)
	}

	// The topic's archive: the 60 good records, not the two bad offsets.
	db := openDuck(t)
	offs := duckStrings(t, db, fmt.Sprintf(`SELECT string_agg(_kafka_offset::VARCHAR, ',' ORDER BY _kafka_offset) FROM read_parquet('%s')`, glob(root, emp)))
	var want []string
	for o := 0; o < 62; o++ {
		if o != 20 && o != 41 {
			want = append(want, strconv.Itoa(o))
		}
	}
	if got := offs[0]; got != join(want) {
		t.Fatalf("archived offsets %s\nwant %s", got, join(want))
	}

	// The DLQ holds both, with reason, origin and the original headers.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: kc.Brokers, Topic: dlq, Partition: 0, MaxWait: 100 * time.Millisecond})
	defer r.Close()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var got []map[string]string
	for len(got) < 2 {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("read DLQ: %v (have %d)", err, len(got))
		}
		h := map[string]string{"value": string(m.Value), "key": string(m.Key)}
		for _, x := range m.Headers {
			h[x.Key] = string(x.Value)
		}
		got = append(got, h)
	}
	sort.Slice(got, func(i, j int) bool { return got[i]["dlq_origin_offset"] < got[j]["dlq_origin_offset"] })
	for i, w := range []struct {
		reason, offset, field string
		orig                  kafka.Message
	}{
		{ReasonInvalidJSON, "20", "", corrupt},
		{ReasonSchemaValidation, "41", "annualSalary", violation},
	} {
		h := got[i]
		if h["dlq_reason"] != w.reason || h["dlq_stage"] != "loader" || h["dlq_origin_topic"] != emp ||
			h["dlq_origin_partition"] != "0" || h["dlq_origin_offset"] != w.offset || h["dlq_field"] != w.field ||
			h["dlq_origin_schema"] != "employees/v1.0" || h["dlq_error"] == "" {
			t.Errorf("dead letter %d headers: %v", i, h)
		}
		if h["value"] != string(w.orig.Value) || h["key"] != string(w.orig.Key) || h["ce_id"] != string(w.orig.Headers[0].Value) {
			t.Errorf("dead letter %d lost the original key, value or headers: %v", i, h)
		}
	}

	// A second drain archives the DLQ itself, typed from its headers.
	if err := wait(t, runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root)}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	rows := duckStrings(t, db, fmt.Sprintf(`SELECT reason || '|' || stage || '|' || origin_topic || '|' || origin_offset || '|' || _raw FROM read_parquet('%s') ORDER BY origin_offset`, glob(root, dlq)))
	wantRows := []string{
		"invalid_json|loader|" + emp + "|20|" + string(corrupt.Value),
		"schema_validation|loader|" + emp + "|41|" + string(violation.Value),
	}
	if join(rows) != join(wantRows) {
		t.Fatalf("DLQ archive rows:\n%v\nwant\n%v", rows, wantRows)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}
