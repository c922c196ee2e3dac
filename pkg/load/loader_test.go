package load

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
)

func TestDrainArchivesEveryRecordOnce(t *testing.T) {
	kc := testKafka(t, 3)
	root := t.TempDir()
	emp, jh := kc.Topic(kafkax.Employees), kc.Topic(kafkax.JobHistory)
	produce(t, kc, emp, employees(0, 1000)...)
	produce(t, kc, jh, gen(jobHistory, 0, 300)...)

	cfg := testConfig()
	cfg.Drain = true
	cfg.FlushInterval = time.Minute // only rotation by rows and date here
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&syncWriter{w: &logged}, nil))
	if err := wait(t, runLoader(t, ctx, cfg, kc, Options{Archive: localArchive(t, root), Logger: log}), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	// The exit summary: per topic, the files, rows and bytes on disk.
	for _, tc := range []struct {
		topic string
		rows  int
	}{{emp, 1000}, {jh, 300}} {
		files := listFiles(t, root, tc.topic)
		var size int64
		for _, f := range files {
			st, err := os.Stat(filepath.Join(root, f))
			if err != nil {
				t.Fatal(err)
			}
			size += st.Size()
		}
		re := regexp.MustCompile(fmt.Sprintf(`msg=archived topic=%s files=%d growths=\d+ rows=%d bytes=(\d+)`, regexp.QuoteMeta(tc.topic), len(files), tc.rows))
		m := re.FindStringSubmatch(logged.String())
		if m == nil {
			t.Errorf("exit log lacks %s:\n%s", re, logged.String())
		} else if b, _ := strconv.ParseInt(m[1], 10, 64); b < size {
			t.Errorf("summary says %d bytes written, the files hold %d", b, size)
		}
	}
	if !regexp.MustCompile(`msg="loader summary" files=\d+ growths=\d+ rows=1300 bytes=\d+ seconds=\d`).MatchString(logged.String()) {
		t.Errorf("exit log lacks the loader summary:\n%s", logged.String())
	}

	db := openDuck(t)
	exactness(t, db, root, emp, highWaterMarks(t, kc, emp))
	exactness(t, db, root, jh, highWaterMarks(t, kc, jh))

	// Types as a warehouse sees them.
	types := map[string]string{}
	rows, err := db.Query(fmt.Sprintf(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning=true))`, glob(root, emp)))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			t.Fatal(err)
		}
		types[n] = ty
	}
	rows.Close()
	for col, want := range map[string]string{
		"_raw": "VARCHAR", "_kafka_topic": "VARCHAR", "_kafka_partition": "INTEGER", "_kafka_offset": "BIGINT",
		"_kafka_timestamp": "TIMESTAMP WITH TIME ZONE", "_key": "VARCHAR", "_record_hash": "VARCHAR", "_event_id": "VARCHAR",
		"dt": "DATE", "company_id": "VARCHAR", "annual_salary": "DECIMAL(18,4)", "original_hire_date": "DATE",
		"is_supervisor": "BOOLEAN", "date_time_changed": "TIMESTAMP WITH TIME ZONE",
	} {
		if types[col] != want {
			t.Errorf("column %s: type %q, want %q (all: %v)", col, types[col], want, types)
		}
	}

	// Every row: metadata from the message, dt = its timestamp's UTC date,
	// the file named by its partition and the first offset it holds.
	var bad int
	err = db.QueryRow(fmt.Sprintf(`
		SELECT count(*) FROM read_parquet('%s', hive_partitioning=true, filename=true)
		WHERE _kafka_topic <> '%s'
		   OR dt <> CAST(timezone('UTC', _kafka_timestamp) AS DATE)
		   OR _key <> json_extract_string(_raw, '$.companyID') || '/' || json_extract_string(_raw, '$.employeeID')
		   OR _event_id <> 'id-' || (CAST(substr(json_extract_string(_raw, '$.employeeID'), 2) AS INT))
		   OR _record_hash <> 'hash-' || (CAST(substr(json_extract_string(_raw, '$.employeeID'), 2) AS INT))
		   OR json_extract(_raw, '$.futureField.n') IS NULL
		   OR company_id <> 'C0001' OR employee_id <> json_extract_string(_raw, '$.employeeID')
		   OR annual_salary <> CAST(json_extract_string(_raw, '$.annualSalary') AS DECIMAL(18,4))
		   OR original_hire_date <> CAST(substr(json_extract_string(_raw, '$.originalHireDate'), 1, 10) AS DATE)
		   OR is_supervisor <> (CAST(substr(json_extract_string(_raw, '$.employeeID'), 2) AS INT) %% 2 = 0)
		   OR date_time_changed <> TIMESTAMPTZ '2024-02-16 14:03:11.517+00'`, glob(root, emp), emp)).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d rows have metadata that does not match their message", bad)
	}
	nameRE := regexp.MustCompile(`^(.+)/dt=(\d{4}-\d{2}-\d{2})/(.+)\+(\d+)\+(\d{20})\.parquet$`)
	for _, f := range listFiles(t, root, emp) {
		m := nameRE.FindStringSubmatch(f)
		if m == nil || m[1] != emp || m[3] != emp {
			t.Fatalf("file %s does not follow <topic>/dt=<date>/<topic>+<partition>+<offset>.parquet", f)
		}
		var minOff int64
		var part, dates int
		err := db.QueryRow(fmt.Sprintf(`SELECT min(_kafka_offset), any_value(_kafka_partition), count(DISTINCT CAST(timezone('UTC', _kafka_timestamp) AS DATE)) FROM read_parquet('%s')`, filepath.Join(root, f))).Scan(&minOff, &part, &dates)
		if err != nil {
			t.Fatal(err)
		}
		wantOff, _ := strconv.ParseInt(m[5], 10, 64)
		if minOff != wantOff || strconv.Itoa(part) != m[4] || dates != 1 {
			t.Errorf("file %s: first offset %d, partition %d, %d dates", f, minOff, part, dates)
		}
	}
}

// syncWriter serializes writes from the loader's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
