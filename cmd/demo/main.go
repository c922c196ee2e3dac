// Command demo runs the whole pipeline on the embedded default and shows the
// result: it starts an in-process Kafka-protocol broker and the UKG Pro
// simulator, runs the real bin/extractor --once and bin/loader --drain
// against them as child processes, moves the tenant clock 30 days, runs both
// again, and queries the Parquet archive with DuckDB. `make demo` runs it.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

type config struct {
	Out         string `env:"DEMO_OUT, default=demo-out" desc:"directory of the Parquet archive the demo writes (emptied first)"`
	Advance     int    `env:"DEMO_ADVANCE_DAYS, default=30" desc:"days the tenant clock moves between the two runs (0: one run only)"`
	Removals    int    `env:"DEMO_REMOVALS, default=1" desc:"employees the tenant purges between the two runs (the second run, a full reconciliation, deletes them)"`
	Corrections int    `env:"DEMO_CORRECTIONS, default=2" desc:"job-history rows the tenant deletes or corrects between the two runs"`
	Relay       bool   `env:"DEMO_RELAY, default=true" desc:"finish with bin/ukgpro-relay delivering the lifecycle events to example HTTP routes (docs/consumers.md)"`
	Sim         ukgsim.Config
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg config
	if err := envconf.Parse(ctx, "demo", &cfg, os.Args[1:], nil); err != nil {
		if errors.Is(err, envconf.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "demo: %v\n", err)
		os.Exit(1)
	}
}

func step(format string, args ...any) {
	fmt.Printf("\n\033[1m==> "+format+"\033[0m\n", args...)
}

func run(ctx context.Context, cfg config) error {
	start := time.Now()
	bin, err := binDir()
	if err != nil {
		return err
	}
	out, err := filepath.Abs(cfg.Out)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}

	step("starting the embedded Kafka broker and the UKG Pro simulator (%d employees, %d companies)",
		cfg.Sim.Employees, cfg.Sim.Companies)
	broker, err := devkafka.Start(devkafka.Config{})
	if err != nil {
		return err
	}
	defer broker.Close()
	sim, err := ukgsim.New(cfg.Sim)
	if err != nil {
		return err
	}
	defer sim.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // closed below
	defer srv.Close()
	simURL := "http://" + ln.Addr().String()
	fmt.Printf("    kafka %s   ukg %s   tenant clock %s\n", strings.Join(broker.Addrs(), ","), simURL, sim.Now().Format(time.DateOnly))

	env := append(os.Environ(),
		"KAFKA_BROKERS="+strings.Join(broker.Addrs(), ","),
		"KAFKA_REPLICATION_FACTOR=1",
		"UKG_BASE_URL="+simURL,
		"UKG_USERNAME=svc-demo", "UKG_PASSWORD=demo-password", "UKG_CUSTOMER_API_KEY=DEMO-KEY",
		"UKG_RATE_LIMIT=0", // the simulator has no rate limit; a real tenant keeps the default
		"PII_HMAC_KEY=demo-hmac-key-not-a-secret",
		"LOADER_OUTPUT="+filepath.Join(out, "archive"),
		"LOADER_FLUSH_INTERVAL=2s",
		"OPS_ADDR=", // no ops server for one-shot runs
		"LOG_LEVEL=warn",
	)
	runBoth := func(label string) error {
		step("%s: bin/extractor --once", label)
		if err := child(ctx, env, filepath.Join(bin, "extractor"), "--once"); err != nil {
			return err
		}
		step("%s: bin/loader --drain  → %s", label, filepath.Join(cfg.Out, "archive"))
		return child(ctx, env, filepath.Join(bin, "loader"), "--drain")
	}
	if err := runBoth("run 1 (baseline: every record, no lifecycle events)"); err != nil {
		return err
	}
	if cfg.Advance > 0 {
		gt, err := sim.AdvanceWith(cfg.Advance, ukgsim.AdvanceOptions{Removals: cfg.Removals, Corrections: cfg.Corrections})
		if err != nil {
			return err
		}
		step("the tenant clock moves %d days: %d hired, %d terminated, %d rehired, %d job changes, %d pay changes, %d status changes; "+
			"%d employees purged, %d job-history rows deleted, %d corrected; %d configuration rows changed, %d deposit accounts added or changed",
			cfg.Advance, len(gt.Hired), len(gt.Terminated), len(gt.Rehired), len(gt.JobChanged),
			len(gt.CompensationChanged), len(gt.StatusChanged), len(gt.Removed), len(gt.JobHistoryDeleted), len(gt.JobHistoryCorrected),
			len(gt.ConfigChanged), len(gt.DirectDepositChanged))
		for _, c := range gt.ConfigChanged {
			fmt.Printf("    %s %s %s: %q → %q\n", c.Endpoint, c.Key, c.Change, c.Before, c.After)
		}
		for _, e := range gt.Removed {
			fmt.Printf("    purged: %s/%s\n", e.CompanyID, e.EmployeeID)
		}
		// The last full pass is more than EXTRACTOR_FULL_EVERY (7 days) old
		// on the tenant clock, so this run reconciles in full.
		if err := runBoth("run 2 (a full reconciliation: changed records, lifecycle events, deletions)"); err != nil {
			return err
		}
	}
	if err := report(ctx, filepath.Join(out, "archive")); err != nil {
		return err
	}
	if cfg.Relay {
		if err := relayStep(ctx, env, bin, out); err != nil {
			return err
		}
	}
	step("done in %s", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// binDir is the directory of this binary, where `make build` put the others.
func binDir() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(exe)
	for _, b := range []string{"extractor", "loader", "ukgpro-relay"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return "", fmt.Errorf("%s not found next to the demo binary: run `make build` (or `make demo`)", b)
		}
	}
	return dir, nil
}

func child(ctx context.Context, env []string, path string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	t := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(path), strings.Join(args, " "), err)
	}
	fmt.Printf("    %s finished in %s\n", filepath.Base(path), time.Since(t).Round(10*time.Millisecond))
	return nil
}

// report prints what a data engineer wants to see, querying the archive with
// DuckDB, and the SQL to paste into the duckdb CLI.
func report(ctx context.Context, root string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	glob := func(topic string) string {
		return fmt.Sprintf("read_parquet('%s/ukgpro.%s/*/*.parquet', hive_partitioning=true, union_by_name=true)", root, topic)
	}
	step("files and rows per topic")
	var parts []string
	for _, t := range kafkax.DataTopics {
		if m, _ := filepath.Glob(filepath.Join(root, "ukgpro."+t, "*", "*.parquet")); len(m) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT 'ukgpro.%s' AS topic, count(DISTINCT filename) AS files, count(*) AS rows FROM read_parquet('%s/ukgpro.%s/*/*.parquet', filename=true)", t, root, t))
	}
	queries := []struct{ title, sql string }{
		{"files and rows per topic", strings.Join(parts, " UNION ALL ") + " ORDER BY topic"},
		{"headcount by company and status (current state: the latest version of each employee, unless it is a deletion)", `
SELECT company_id, employee_status_code AS status, count(*) AS employees
FROM (SELECT * FROM ` + glob("employees") + `
      QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_offset DESC) = 1)
WHERE _deleted IS NOT TRUE
GROUP BY ALL ORDER BY company_id, status`},
		{"deletions in the archive (rows with _deleted: purged employees, deleted job-history rows)", `
SELECT _kafka_topic AS topic, _key AS key, coalesce(_record_id, '') AS row, _kafka_timestamp AS archived
FROM ` + glob("*") + ` WHERE _deleted ORDER BY topic, key, row`},
		{"lifecycle events by type", `
SELECT event, count(*) AS events, min(effective_date) AS first, max(effective_date) AS last
FROM ` + glob("lifecycle") + ` GROUP BY event ORDER BY events DESC`},
		{"latest lifecycle events", `
SELECT effective_date, event, company_id, employee_id, changes
FROM ` + glob("lifecycle") + ` ORDER BY effective_date DESC, event, employee_id LIMIT 8`},
		{"column types of the employees archive (money DECIMAL, dates DATE, instants TIMESTAMP)", `
SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ` + glob("employees") + `)
WHERE column_name IN ('employee_id','annual_salary','hourly_pay_rate','original_hire_date','date_time_changed','_kafka_timestamp','dt')`},
	}
	for i, q := range queries {
		if i > 0 {
			step("%s", q.title)
		}
		if err := printQuery(ctx, db, q.sql); err != nil {
			return fmt.Errorf("%s: %w", q.title, err)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(root, "ukgpro.org-levels", "*", "*.parquet")); len(m) > 0 {
		// The configuration topics name the codes: the analyst views join them.
		reg, err := schema.Load()
		if err != nil {
			return err
		}
		views, err := reg.AnalystViews(root, "ukgpro.")
		if err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, views); err != nil {
			return fmt.Errorf("analyst views: %w", err)
		}
		step("headcount by department name (schemadoc -ddl duckdb -views: employment rows joined with org-levels)")
		if err := printQuery(ctx, db, `SELECT department_code, department, headcount FROM headcount_by_department`); err != nil {
			return fmt.Errorf("headcount by department: %w", err)
		}
	}
	step("query it yourself: duckdb, then paste")
	fmt.Printf("SELECT company_id, employee_status_code, count(*)\nFROM (SELECT * FROM read_parquet('%s/ukgpro.employees/*/*.parquet', hive_partitioning=true, union_by_name=true)\n      QUALIFY row_number() OVER (PARTITION BY _key ORDER BY _kafka_offset DESC) = 1)\nWHERE _deleted IS NOT TRUE\nGROUP BY ALL ORDER BY ALL;\n", root)
	fmt.Printf("SELECT * FROM read_parquet('%s/ukgpro.lifecycle/*/*.parquet', hive_partitioning=true) ORDER BY effective_date DESC LIMIT 20;\n", root)
	return nil
}

func printQuery(ctx context.Context, db *sql.DB, q string) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "    "+strings.Join(cols, "\t"))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = cell(v)
		}
		fmt.Fprintln(tw, "    "+strings.Join(cells, "\t"))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tw.Flush()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	case []byte:
		return string(x)
	}
	s := fmt.Sprint(v)
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return s
}
