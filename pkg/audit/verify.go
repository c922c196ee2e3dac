package audit

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

// Defect is one thing wrong with the archive, precise enough to act on.
type Defect struct {
	Topic     string
	Partition int // -1 when the defect is not a partition's
	File      string
	Check     string // file name, column type, offsets, gap, duplicate, overlap, broker
	Detail    string
}

// TopicSummary is what verify saw of one topic.
type TopicSummary struct {
	Topic      string
	Files      int
	Rows       int64
	Partitions int
	Checked    string // "self" or "self+brokers"
}

// Report is the outcome of [Archive.Verify]; OK when Defects is empty.
type Report struct {
	Topics  []TopicSummary
	Defects []Defect
}

// OK reports whether verify found nothing wrong.
func (r *Report) OK() bool { return len(r.Defects) == 0 }

// Summary renders the per-topic summary.
func (r *Report) Summary() *Result {
	res := &Result{Columns: []string{"topic", "files", "rows", "partitions", "checked", "defects"},
		Types: []string{"VARCHAR", "BIGINT", "BIGINT", "BIGINT", "VARCHAR", "BIGINT"}}
	for _, t := range r.Topics {
		n := int64(0)
		for _, d := range r.Defects {
			if d.Topic == t.Topic {
				n++
			}
		}
		res.Rows = append(res.Rows, []any{t.Topic, int64(t.Files), t.Rows, int64(t.Partitions), t.Checked, n})
	}
	return res
}

// DefectsResult renders the defects, one per row.
func (r *Report) DefectsResult() *Result {
	res := &Result{Columns: []string{"topic", "partition", "check", "file", "detail"},
		Types: []string{"VARCHAR", "BIGINT", "VARCHAR", "VARCHAR", "VARCHAR"}}
	for _, d := range r.Defects {
		var p any
		if d.Partition >= 0 {
			p = int64(d.Partition)
		}
		res.Rows = append(res.Rows, []any{d.Topic, p, d.Check, nullIfEmpty(d.File), d.Detail})
	}
	return res
}

// maxDefects bounds the defects listed per topic and check; the count of
// the rest is one more line.
const maxDefects = 50

// Verify checks the archive against itself and, with kc, against the
// brokers:
//
//   - every object under a topic is a data file named
//     <topic>/dt=<date>/<topic>+<partition>+<first offset, 20 digits>.parquet;
//   - every column has the type the topic's schema gives it (any version);
//   - each file's rows are of the topic and partition its name says, its
//     first row has the offset its name says and the date its dt= says;
//   - within each partition, offsets are contiguous (no gap), each appears
//     once (no duplicate) and files do not overlap — true for files that
//     are rotated and for files that grow by replacement alike, since only
//     the files listed now are read;
//   - with brokers: every offset from the log start to the high-water mark
//     is archived exactly once with the same key and event id, a tombstone
//     (null value) as a _deleted row and only a tombstone so, and nothing is
//     archived past the high-water mark.
func (a *Archive) Verify(ctx context.Context, kc *kafkax.Config) (*Report, error) {
	rep := &Report{}
	names := a.reg.Names()
	for _, name := range names {
		topic := a.cfg.TopicPrefix + name
		l, err := a.list(ctx, topic)
		if err != nil {
			return nil, err
		}
		if len(l.files) == 0 && len(l.foreign) == 0 && kc == nil {
			continue
		}
		tv := &topicVerify{a: a, name: name, topic: topic, rep: rep, counts: map[string]int{}}
		if err := tv.self(ctx, l); err != nil {
			return nil, err
		}
		if kc != nil {
			if err := tv.brokers(ctx, kc); err != nil {
				return nil, err
			}
			tv.sum.Checked = "self+brokers"
		}
		if tv.sum.Files > 0 || kc != nil {
			rep.Topics = append(rep.Topics, tv.sum)
		}
	}
	return rep, nil
}

type topicVerify struct {
	a           *Archive
	name, topic string
	rep         *Report
	sum         TopicSummary
	good        []File // files whose offset columns are readable
	counts      map[string]int
	partitions  map[int]bool
}

func (tv *topicVerify) add(part int, file, check, format string, args ...any) {
	k := check + "\x00" + fmt.Sprint(part)
	tv.counts[k]++
	switch n := tv.counts[k]; {
	case n <= maxDefects:
		tv.rep.Defects = append(tv.rep.Defects, Defect{tv.topic, part, file, check, fmt.Sprintf(format, args...)})
	case n == maxDefects+1:
		tv.rep.Defects = append(tv.rep.Defects, Defect{tv.topic, part, "", check, "more defects of this kind not listed"})
	}
}

func (tv *topicVerify) self(ctx context.Context, l *listing) error {
	a := tv.a
	tv.sum = TopicSummary{Topic: tv.topic, Files: len(l.files), Checked: "self"}
	for _, o := range l.foreign {
		tv.add(-1, o.Key, "file name", "not a data file name (want %s/dt=YYYY-MM-DD/%s+<partition>+<20-digit first offset>%s)", tv.topic, tv.topic, archive.FileExt)
	}
	if len(l.files) == 0 {
		return nil
	}
	paths, err := a.fetch(ctx, l.files)
	if err != nil {
		return err
	}
	byPath := map[string]File{}
	for i, f := range l.files {
		byPath[paths[i]] = f
	}
	// Column types, from the footers only.
	want := map[string][]string{}
	for _, s := range a.reg.Versions(tv.name) {
		for _, c := range s.Columns() {
			if !slices.Contains(want[c.Name], c.DuckDBType) {
				want[c.Name] = append(want[c.Name], c.DuckDBType)
			}
		}
	}
	if _, ok := want["_deleted"]; !ok {
		want["_deleted"] = []string{"BOOLEAN"} // the loader's tombstone column (issue 14)
	}
	res, err := a.query(ctx, fmt.Sprintf(`SELECT file_name, name, duckdb_type FROM parquet_schema(%s)
WHERE coalesce(num_children, 0) = 0 ORDER BY file_name, column_id`, sqlList(paths)))
	if err != nil {
		return fmt.Errorf("verify %s: read footers: %w", tv.topic, err)
	}
	bad := map[string]bool{}
	seen := map[string]map[string]bool{}
	for _, r := range res.Rows {
		p, col, typ := r[0].(string), r[1].(string), Cell(r[2], "")
		f := byPath[p]
		if seen[p] == nil {
			seen[p] = map[string]bool{}
		}
		seen[p][col] = true
		types, known := want[col]
		switch {
		case !known:
			tv.add(f.Partition, f.Key, "column type", "unexpected column %s %s", col, typ)
		case !slices.Contains(types, typ):
			tv.add(f.Partition, f.Key, "column type", "column %s is %s, want %s", col, typ, strings.Join(types, " or "))
			if strings.HasPrefix(col, "_kafka_") {
				bad[p] = true
			}
		}
	}
	for _, f := range l.files {
		p := a.path(f.Key)
		for _, col := range []string{"_kafka_topic", "_kafka_partition", "_kafka_offset", "_kafka_timestamp", "_key"} {
			if !seen[p][col] {
				tv.add(f.Partition, f.Key, "column type", "column %s is missing", col)
				bad[p] = true
			}
		}
		if !bad[p] {
			tv.good = append(tv.good, f)
		}
	}
	if len(tv.good) == 0 {
		return nil
	}
	goodPaths := make([]string, len(tv.good))
	for i, f := range tv.good {
		goodPaths[i] = a.path(f.Key)
	}
	if _, err := a.db.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE vrows AS
SELECT filename, _kafka_topic, _kafka_partition, _kafka_offset, _kafka_timestamp
FROM read_parquet(%s, union_by_name=true, filename=true)`, sqlList(goodPaths))); err != nil {
		return fmt.Errorf("verify %s: read offsets: %w", tv.topic, err)
	}
	// Per file: topic, partition, first offset and date as named.
	res, err = a.query(ctx, `SELECT filename, count(*), min(_kafka_partition), max(_kafka_partition),
  min(_kafka_offset), max(_kafka_offset), arg_min(_kafka_timestamp, _kafka_offset),
  count(*) FILTER (WHERE _kafka_topic IS DISTINCT FROM ?)
FROM vrows GROUP BY filename`, tv.topic)
	if err != nil {
		return fmt.Errorf("verify %s: %w", tv.topic, err)
	}
	type span struct {
		f        File
		min, max int64
	}
	spans := map[int][]span{}
	tv.partitions = map[int]bool{}
	withRows := map[string]bool{}
	for _, r := range res.Rows {
		p := r[0].(string)
		f := byPath[p]
		withRows[p] = true
		rows, pmin, pmax := r[1].(int64), r[2].(int64), r[3].(int64)
		omin, omax, first, wrongTopic := r[4].(int64), r[5].(int64), r[6].(time.Time), r[7].(int64)
		tv.sum.Rows += rows
		tv.partitions[f.Partition] = true
		if pmin != int64(f.Partition) || pmax != int64(f.Partition) {
			tv.add(f.Partition, f.Key, "offsets", "rows of partitions %d..%d in a file named for partition %d", pmin, pmax, f.Partition)
		}
		if wrongTopic > 0 {
			tv.add(f.Partition, f.Key, "offsets", "%d rows whose _kafka_topic is not %s", wrongTopic, tv.topic)
		}
		if omin != f.FirstOffset {
			tv.add(f.Partition, f.Key, "offsets", "name says first offset %d, first row has offset %d", f.FirstOffset, omin)
		}
		if day := first.UTC().Format(time.DateOnly); day != f.Date.Format(time.DateOnly) {
			tv.add(f.Partition, f.Key, "file name", "dt=%s, but its first record is of %s (UTC)", f.Date.Format(time.DateOnly), day)
		}
		spans[f.Partition] = append(spans[f.Partition], span{f, omin, omax})
	}
	for _, f := range tv.good {
		if !withRows[a.path(f.Key)] {
			tv.add(f.Partition, f.Key, "offsets", "file has no rows")
		}
	}
	tv.sum.Partitions = len(tv.partitions)
	for part, ss := range spans {
		slices.SortFunc(ss, func(x, y span) int { return int(x.min - y.min) })
		for i := 1; i < len(ss); i++ {
			if ss[i].min <= ss[i-1].max {
				tv.add(part, ss[i].f.Key, "overlap", "offsets %d..%d are also in %s", ss[i].min, min(ss[i].max, ss[i-1].max), filepath.Base(ss[i-1].f.Key))
			}
		}
	}
	// Duplicates and gaps per partition.
	res, err = a.query(ctx, `SELECT _kafka_partition, _kafka_offset, count(*), list(filename ORDER BY filename)
FROM vrows GROUP BY ALL HAVING count(*) > 1 ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("verify %s: %w", tv.topic, err)
	}
	for _, r := range res.Rows {
		var files []string
		for _, p := range r[3].([]any) {
			files = append(files, filepath.Base(p.(string)))
		}
		tv.add(int(r[0].(int64)), "", "duplicate", "offset %d archived %d times (%s)", r[1].(int64), r[2].(int64), strings.Join(files, ", "))
	}
	res, err = a.query(ctx, `SELECT p, prev + 1, o - 1 FROM (
  SELECT p, o, lag(o) OVER (PARTITION BY p ORDER BY o) AS prev
  FROM (SELECT DISTINCT _kafka_partition AS p, _kafka_offset AS o FROM vrows))
WHERE o > prev + 1 ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("verify %s: %w", tv.topic, err)
	}
	for _, r := range res.Rows {
		from, to := r[1].(int64), r[2].(int64)
		tv.add(int(r[0].(int64)), "", "gap", "offsets %d..%d (%d) are not archived", from, to, to-from+1)
	}
	return nil
}

// brokers compares the archive with what the brokers hold.
func (tv *topicVerify) brokers(ctx context.Context, kc *kafkax.Config) error {
	a := tv.a
	cl, err := kc.Client()
	if err != nil {
		return err
	}
	offs, err := kafkax.PartitionOffsets(ctx, cl, tv.topic)
	if err != nil {
		if tv.sum.Files > 0 {
			tv.add(-1, "", "broker", "the brokers have no topic %s: %v", tv.topic, err)
		}
		return nil
	}
	for p := range tv.partitions {
		if _, ok := offs[p]; !ok {
			tv.add(p, "", "broker", "archived partition %d does not exist on the brokers", p)
		}
	}
	if len(tv.good) > 0 {
		if err := a.view(ctx, "vb", tv.good, tableTyped, "_kafka_partition", "_kafka_offset", "_key", "_deleted", "_event_id"); err != nil {
			return err
		}
	} else if err := a.emptyView(ctx, "vb"); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(offs)) {
		o := offs[p]
		res, err := a.query(ctx, `SELECT _kafka_offset, _key, _deleted, _event_id FROM vb
WHERE _kafka_partition = ? AND _kafka_offset >= ? ORDER BY _kafka_offset`, int32(p), o.First)
		if err != nil {
			return fmt.Errorf("verify %s/%d: %w", tv.topic, p, err)
		}
		rows := res.Rows
		i := 0
		var missFrom, missTo int64 = -1, -1
		flush := func() {
			if missFrom >= 0 {
				tv.add(p, "", "broker", "offsets %d..%d (%d) are on the brokers but not archived", missFrom, missTo, missTo-missFrom+1)
				missFrom = -1
			}
		}
		err = kafkax.ReadRange(ctx, cl, tv.topic, p, o.First, o.End, func(m *kafkax.Message) error {
			for i < len(rows) && rows[i][0].(int64) < m.Offset {
				i++ // compacted away on the brokers: the archive keeps it
			}
			if i >= len(rows) || rows[i][0].(int64) != m.Offset {
				if missFrom >= 0 && missTo == m.Offset-1 {
					missTo = m.Offset
				} else {
					flush()
					missFrom, missTo = m.Offset, m.Offset
				}
				return nil
			}
			flush()
			r := rows[i]
			if k := Cell(r[1], ""); !bytes.Equal([]byte(k), m.Key) {
				tv.add(p, "", "broker", "offset %d: archived key %q, broker key %q", m.Offset, k, m.Key)
			}
			if del := r[2] == true; del != (m.Value == nil) {
				if del {
					tv.add(p, "", "broker", "offset %d: archived as deleted, but the broker's record has a value", m.Offset)
				} else {
					tv.add(p, "", "broker", "offset %d: a tombstone on the broker, archived without _deleted", m.Offset)
				}
			}
			if ce := m.Header("ce_id"); ce != nil && Cell(r[3], "") != string(ce) {
				tv.add(p, "", "broker", "offset %d: archived event id %q, broker ce_id %q", m.Offset, Cell(r[3], ""), ce)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("verify %s/%d against the brokers: %w", tv.topic, p, err)
		}
		flush()
		var beyond int
		for _, r := range rows {
			if r[0].(int64) >= o.End {
				beyond++
			}
		}
		if beyond > 0 {
			tv.add(p, "", "broker", "%d archived rows at or past the high-water mark %d", beyond, o.End)
		}
	}
	return nil
}
