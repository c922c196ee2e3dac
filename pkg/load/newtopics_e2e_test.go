package load

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv/pipeline"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// TestNewTopicsArchivedTyped: the extractor reads every endpoint of the
// simulator (issue 13's configuration, contact, PTO, banking and contract
// endpoints included), the loader drains them, and DuckDB reads each new
// topic's archive back with its typed columns (DECIMAL money and hours,
// DATE and TIMESTAMP, BIGINT keys), every offset exactly once, as many rows
// as the simulator serves; the analyst views count the headcount by
// department name as the simulator does.
func TestNewTopicsArchivedTyped(t *testing.T) {
	sim, simURL := testenv.Sim(t, ukgsim.Config{Employees: 200, Companies: 2, Seed: 21, Start: "2025-06-02"})
	kc := testKafka(t, 2)
	root := t.TempDir()
	reg, err := schema.Load()
	if err != nil {
		t.Fatal(err)
	}
	api, err := ukgpro.New(ukgpro.Config{BaseURL: simURL, Username: "svc-demo", Password: envconf.Secret("demo-password"),
		CustomerAPIKey: envconf.Secret("DEMO-KEY"), PerPage: 100, Concurrency: 4, MaxRetries: 8,
		RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond, RequestTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := extract.Config{Mode: "incremental", FullEvery: 365 * 24 * time.Hour, Overlap: 48 * time.Hour,
		Endpoints: []string{extract.AllEndpoints}, BatchSize: 1000, Linger: 2 * time.Millisecond,
		WriteTimeout: 10 * time.Second, MaxDeleteRatio: 0.05}
	x, err := extract.New(cfg, &kc, extract.Deps{Source: api, Validator: extract.RegistryValidator(reg),
		Redactor: pipeline.Redactor(t, reg), Logger: slog.New(slog.DiscardHandler), BaseURL: simURL, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := x.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Run(ctx); err != nil {
		t.Fatal(err)
	}
	lc := testConfig()
	lc.Drain = true
	if err := wait(t, runLoader(t, context.Background(), lc, kc, Options{Archive: localArchive(t, root)}), 2*time.Minute); err != nil {
		t.Fatal(err)
	}

	db := openDuck(t)
	for _, tc := range []struct {
		endpoint, topic string
		types           map[string]string // column → DuckDB type
	}{
		{ukgsim.EndpointCompanies, kafkax.Companies, map[string]string{"company_id": "VARCHAR"}},
		{ukgsim.EndpointOrgLevels, kafkax.OrgLevels, map[string]string{"level": "BIGINT", "is_active": "BOOLEAN", "current_year_budget_salary": "DECIMAL(18,4)"}},
		{ukgsim.EndpointJobs, kafkax.Jobs, map[string]string{"job_code": "VARCHAR", "job_ee0_category": "VARCHAR"}},
		{ukgsim.EndpointLocations, kafkax.Locations, map[string]string{"location_code": "VARCHAR", "is_active": "BOOLEAN"}},
		{ukgsim.EndpointPositions, kafkax.Positions, map[string]string{"date_time_created": "TIMESTAMP WITH TIME ZONE", "is_approved": "BOOLEAN"}},
		{ukgsim.EndpointContacts, kafkax.Contacts, map[string]string{"company_id": "VARCHAR", "date_of_birth": "TIMESTAMP WITH TIME ZONE", "ssn": "VARCHAR"}},
		{ukgsim.EndpointPTOPlans, kafkax.PTOPlans, map[string]string{"earned": "DECIMAL(18,4)", "earned_through_date": "DATE", "reset": "DATE"}},
		{ukgsim.EndpointDirectDeposit, kafkax.DirectDeposit, map[string]string{"amount_or_percent": "DECIMAL(18,4)", "account_last4": "VARCHAR", "date_time_changed": "TIMESTAMP WITH TIME ZONE"}},
		{ukgsim.EndpointGlobalBanks, kafkax.GlobalBanks, map[string]string{"iban_last4": "VARCHAR", "date_modified": "TIMESTAMP WITH TIME ZONE"}},
		{ukgsim.EndpointContracts, kafkax.Contracts, map[string]string{"employment_contract_id": "BIGINT", "fte_contract_hours": "DECIMAL(18,4)", "contract_start_date": "TIMESTAMP WITH TIME ZONE"}},
	} {
		full := kc.Topic(tc.topic)
		exactness(t, db, root, full, highWaterMarks(t, kc, full))
		var rows int
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s', hive_partitioning=true)`, glob(root, full))).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if want, _ := sim.Count(tc.endpoint, url.Values{}); rows != want || rows == 0 {
			t.Errorf("%s: %d archived rows, the simulator serves %d", tc.topic, rows, want)
		}
		got := map[string]string{}
		for _, line := range duckStrings(t, db, fmt.Sprintf(`SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s', hive_partitioning=true))`, glob(root, full))) {
			name, typ, _ := strings.Cut(line, " ")
			got[name] = typ
		}
		for col, typ := range tc.types {
			if got[col] != typ {
				t.Errorf("%s.%s: %q, want %q", tc.topic, col, got[col], typ)
			}
		}
	}
	// No account number in a typed column: hashes only.
	if bad := duckStrings(t, db, fmt.Sprintf(`SELECT account FROM read_parquet('%s') WHERE account NOT LIKE 'hmac-sha256:%%' LIMIT 3`,
		glob(root, kc.Topic(kafkax.DirectDeposit)))); len(bad) > 0 {
		t.Errorf("direct-deposit accounts not hashed: %v", bad)
	}
	// The analyst views: headcount by department name.
	views, err := reg.AnalystViews(root, kc.TopicPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(views); err != nil {
		t.Fatalf("%v\n%s", err, views)
	}
	var depts, heads, unnamed int
	if err := db.QueryRow(`SELECT count(*), sum(headcount), count(*) FILTER (WHERE department LIKE '(no name%') FROM headcount_by_department`).Scan(&depts, &heads, &unnamed); err != nil {
		t.Fatal(err)
	}
	active, _ := sim.Count(ukgsim.EndpointEmployment, url.Values{"employeeStatusCode": {"A,L,S,O,R"}})
	if heads != active || depts < 5 || unnamed != 0 {
		t.Errorf("headcount by department: %d departments, %d people (%d unnamed), want the simulator's %d non-terminated", depts, heads, unnamed, active)
	}
}
