package load

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// testKafka starts an embedded broker and creates the data topics with
// partitions partitions each.
func testKafka(t testing.TB, partitions int) kafkax.Config {
	t.Helper()
	kc := kafkax.Config{
		Brokers: testenv.Kafka(t), TopicPrefix: "ukgpro.", ClientID: "loader-test",
		DialTimeout: 5 * time.Second, Partitions: partitions, ReplicationFactor: 1,
		DLQRetention: time.Hour, MinCompactionLag: time.Hour,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := kafkax.EnsureTopics(ctx, &kc, kafkax.DataTopics...); err != nil {
		t.Fatal(err)
	}
	return kc
}

// testConfig is a loader configuration with fast group timings.
func testConfig() Config {
	return Config{
		GroupID:           "test-loader",
		RotateRows:        100,
		RotateBytes:       1 << 20,
		BatchBytes:        2 << 20,
		BufferBytes:       64 << 20,
		RotateInterval:    24 * time.Hour,
		FlushInterval:     200 * time.Millisecond,
		FetchMaxBytes:     1 << 20,
		FetchBufferBytes:  32 << 20,
		FetchMaxWait:      100 * time.Millisecond,
		SessionTimeout:    time.Second,
		HeartbeatInterval: 100 * time.Millisecond,
		RebalanceTimeout:  2 * time.Second,
		JoinGroupBackoff:  100 * time.Millisecond,
		CommitTimeout:     5 * time.Second,
		DLQTimeout:        5 * time.Second,
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("LOADER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func localArchive(t testing.TB, root string, opts ...archive.Option) Archive {
	t.Helper()
	s, err := archive.NewLocal(root, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return StoreArchive{Store: s, Options: opts}
}

// runLoader runs a loader until ctx ends or (drain) it finishes, and
// returns its error on the channel.
func runLoader(t testing.TB, ctx context.Context, cfg Config, kc kafkax.Config, opts Options) <-chan error {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	l, err := New(cfg, kc, opts)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	return done
}

// wait returns the loader's result or fails after d.
func wait(t testing.TB, done <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("loader did not finish within %s", d)
		return nil
	}
}

var baseTime = time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)

// employee returns the i-th test employment record (E2 shape) as the
// extractor produces it; records are spread over three UTC dates. It
// carries a field the schema does not know (futureField), as a record of a
// newer schema version would.
func employee(i int) kafka.Message {
	company, emp := "C0001", fmt.Sprintf("E%011d", i)
	v := fmt.Sprintf(`{"companyID":%q,"employeeID":%q,"employeeNumber":"%06d","primaryJobCode":"J%02d","annualSalary":%d.25,"originalHireDate":"2020-01-%02dT00:00:00","isSupervisor":%t,"dateTimeChanged":"2024-02-16T14:03:11.517","futureField":{"n":%d}}`,
		company, emp, i, i%17, 40000+i, 1+i%28, i%2 == 0, i)
	return message(company+"/"+emp, v, i, "employees/v1.0")
}

// jobHistory returns the i-th test job-history row (E6 shape).
func jobHistory(i int) kafka.Message {
	company, emp := "C0002", fmt.Sprintf("E%011d", i/3)
	v := fmt.Sprintf(`{"companyId":%q,"employeeId":%q,"systemId":"S%08d","jobCode":"J%02d","annualSalary":"%d.5","stepNumber":%d,"isPromotion":false,"jobEffectiveDate":"2023-05-%02d"}`,
		company, emp, i, i%9, 50000+i, i%7, 1+i%28)
	return message(company+"/"+emp, v, i, "job-history/v1.0")
}

func message(key, value string, i int, schemaID string) kafka.Message {
	return kafka.Message{
		Key:   []byte(key),
		Value: []byte(value),
		Time:  baseTime.Add(time.Duration(i) * 90 * time.Second),
		Headers: []kafka.Header{
			{Key: "ce_id", Value: []byte(fmt.Sprintf("id-%d", i))},
			{Key: "ukg_record_hash", Value: []byte(fmt.Sprintf("hash-%d", i))},
			{Key: "ukg_schema", Value: []byte(schemaID)},
			{Key: "ukg_run_id", Value: []byte("run-1")},
			{Key: "content-type", Value: []byte("application/json")},
		},
	}
}

// produce writes msgs to topic (keyed partitioning) and fails the test on error.
func produce(t testing.TB, kc kafkax.Config, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := &kafka.Writer{
		Transport: testenv.Transport(t),
		Addr:      kafka.TCP(kc.Brokers...), Topic: topic, Balancer: &kafka.Hash{},
		RequiredAcks: kafka.RequireAll, BatchSize: 500, BatchTimeout: 5 * time.Millisecond,
		BatchBytes: 512 << 10, Compression: kafka.Zstd, // as the extractor produces
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		msg := err.Error()
		t.Fatalf("produce to %s: %s", topic, msg[:min(len(msg), 300)])
	}
}

func employees(from, to int) []kafka.Message { return gen(employee, from, to) }

func gen(f func(int) kafka.Message, from, to int) []kafka.Message {
	out := make([]kafka.Message, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, f(i))
	}
	return out
}

func openDuck(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// glob is the read_parquet pattern of topic's files under root.
func glob(root, topic string) string {
	return filepath.Join(root, topic, "*", "*.parquet")
}

// exactness checks that the archive of topic holds every offset of every
// partition in [start, end) exactly once, using DuckDB. want maps
// partition -> end offset (high-water mark); offsets not produced to a
// partition are not expected.
func exactness(t testing.TB, db *sql.DB, root, topic string, want map[int]int64) {
	t.Helper()
	var total int64
	for _, n := range want {
		total += n
	}
	if total == 0 {
		return
	}
	q := fmt.Sprintf(`SELECT count(*), count(DISTINCT (_kafka_partition, _kafka_offset)) FROM read_parquet('%s', hive_partitioning=true, union_by_name=true)`, glob(root, topic))
	var rows, distinct int64
	if err := db.QueryRow(q).Scan(&rows, &distinct); err != nil {
		t.Fatalf("%s: %v", topic, err)
	}
	if rows != total || distinct != total {
		dups := duckStrings(t, db, fmt.Sprintf(`SELECT _kafka_partition || '@' || _kafka_offset || ' x' || count(*) || ' in ' || string_agg(filename, ',') FROM read_parquet('%s', filename=true) GROUP BY _kafka_partition, _kafka_offset HAVING count(*) > 1 ORDER BY 1 LIMIT 5`, glob(root, topic)))
		var missing []string
		for p, n := range want {
			missing = append(missing, duckStrings(t, db, fmt.Sprintf(`WITH have AS (SELECT _kafka_offset o FROM read_parquet('%s') WHERE _kafka_partition = %d),
				gaps AS (SELECT g.generate_series o FROM generate_series(0, %d) g WHERE g.generate_series NOT IN (SELECT o FROM have))
				SELECT '%d:' || coalesce(string_agg(o::VARCHAR, ',' ORDER BY o), '') FROM gaps`, glob(root, topic), p, n-1, p))...)
		}
		t.Fatalf("%s: %d rows, %d distinct offsets; want %d of each (duplicates: %v; missing: %v)", topic, rows, distinct, total, dups, missing)
	}
	for p, n := range want {
		var lo, hi, c int64
		err := db.QueryRow(fmt.Sprintf(`SELECT coalesce(min(_kafka_offset),-1), coalesce(max(_kafka_offset),-1), count(*) FROM read_parquet('%s') WHERE _kafka_partition = %d`, glob(root, topic), p)).Scan(&lo, &hi, &c)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 && (lo != 0 || hi != n-1 || c != n) {
			t.Fatalf("%s/%d: offsets %d..%d (%d rows), want 0..%d", topic, p, lo, hi, c, n-1)
		}
	}
}

func duckStrings(t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	return out
}

// highWaterMarks returns each partition's end offset of topic.
func highWaterMarks(t testing.TB, kc kafkax.Config, topic string) map[int]int64 {
	t.Helper()
	cl := &kafka.Client{Transport: testenv.Transport(t), Addr: kafka.TCP(kc.Brokers...), Timeout: 10 * time.Second}
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for p := range kc.Partitions {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	res, err := cl.ListOffsets(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]int64{}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatal(p.Error)
		}
		out[p.Partition] = p.LastOffset
	}
	return out
}

// listFiles returns the data files of topic below root, relative to root.
func listFiles(t testing.TB, root, topic string) []string {
	t.Helper()
	m, err := filepath.Glob(glob(root, topic))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = strings.TrimPrefix(m[i], root+"/")
	}
	return m
}
