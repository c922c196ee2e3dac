package ukgpro

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// instantClock skips backoff waits: the simulator's probabilistic faults do
// not depend on time, so waiting would only slow the test down.
type instantClock struct{}

func (instantClock) Now() time.Time { return time.Now() }
func (instantClock) Sleep(ctx context.Context, _ time.Duration) error {
	return ctx.Err()
}

func simClient(t *testing.T, url string, conc int, opts ...Option) *Client {
	t.Helper()
	return newClient(t, Config{
		BaseURL:        url,
		Username:       "svc-demo",
		Password:       envconf.Secret("demo-password"),
		CustomerAPIKey: envconf.Secret("DEMO-KEY"),
		PerPage:        50, // above the simulator's cap below
		Concurrency:    conc,
		MaxRetries:     10,
		RequestTimeout: 300 * time.Millisecond, // hung requests time out fast
	}, append([]Option{WithClock(instantClock{})}, opts...)...)
}

// TestSimulatorUnderFaults pages every routed endpoint (and an
// employee-changes window) of a 500-employee simulated tenant with faults on
// and checks the records are exactly those a fault-free paging serves, in
// order.
func TestSimulatorUnderFaults(t *testing.T) {
	base := ukgsim.Faults{
		Rate5xx:       0.08,
		Rate429:       0.05,
		RetryAfter:    time.Second,
		RateHang:      0.01,
		RateTruncate:  0.02,
		RateMalformed: 0.02,
	}
	withDup := base
	withDup.RateDuplicate = 0.3
	for _, tt := range []struct {
		name    string
		faults  ukgsim.Faults
		conc    int
		pastEnd string
	}{
		{"concurrent, empty past the end", base, 4, "empty"},
		{"concurrent, 404 past the end", base, 3, "404"},
		// The simulator decides per page boundary whether a row repeats
		// across it, whatever order pages are asked in, so duplicates are
		// exercised with pages in flight concurrently too.
		{"sequential with duplicates across boundaries", withDup, 1, "empty"},
		{"concurrent with duplicates across boundaries", withDup, 4, "404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, err := ukgsim.New(ukgsim.Config{Employees: 500, Seed: 7, MaxPerPage: 37, PastEnd: tt.pastEnd})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(sim)
			t.Cleanup(srv.Close)
			t.Cleanup(sim.Close)
			start := sim.Now()
			if _, err := sim.Advance(45); err != nil {
				t.Fatal(err)
			}
			end := sim.Now()

			type read struct {
				ep   Endpoint
				q    Query
				want url.Values
			}
			reads := []read{
				{ep: EmployeeEmploymentDetails},
				{ep: PersonDetails},
				{ep: CompensationDetails},
				{ep: JobHistoryDetails},
				{ep: EmployeeChanges, q: Query{StartDate: start, EndDate: end}, want: url.Values{
					"startDate": {start.Format(isoSecond)}, "endDate": {end.Format(isoSecond)}}},
				{ep: CompanyDetails}, {ep: OrgLevels}, {ep: Jobs}, {ep: Locations}, {ep: Positions},
				{ep: Contacts}, {ep: PTOPlans}, {ep: DirectDeposit}, {ep: GlobalBanks}, {ep: ContractDetails},
			}
			if err := sim.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			obs := &recObserver{}
			c := simClient(t, srv.URL, tt.conc, WithObserver(obs))
			for _, rd := range reads {
				want, err := sim.Records(rd.ep.String(), rd.want)
				if err != nil {
					t.Fatal(err)
				}
				if len(want) == 0 {
					t.Fatalf("%s: the simulator serves no rows", rd.ep)
				}
				pages, err := collect(t.Context(), c, rd.ep, rd.q)
				if err != nil {
					t.Fatalf("%s: %v", rd.ep, err)
				}
				got := rawRows(pages)
				wantS := make([]string, len(want))
				for i, w := range want {
					wantS[i] = string(w)
				}
				if !slices.Equal(got, wantS) {
					t.Errorf("%s: got %d records, want the %d the fault-free simulator serves, in order", rd.ep, len(got), len(wantS))
				}
				for _, p := range pages {
					for _, r := range p.Records {
						var ok bool
						switch {
						case rd.ep.CodeKey() != nil:
							ok = r.Code != "" && r.Key() == r.Code
						case rd.ep == Contacts: // no company id on contacts
							ok = r.EmployeeID != "" && r.RowID != ""
						default:
							ok = r.CompanyID != "" && r.EmployeeID != "" && (rd.ep.RowKey() == "") == (r.RowID == "")
						}
						if !ok || rd.ep == JobHistoryDetails && r.SystemID == "" {
							t.Fatalf("%s page %d: record without identity: %+v", rd.ep, p.Number, r)
						}
					}
				}
			}
			if len(obs.retryList()) == 0 {
				t.Error("no retries: the faults were not exercised")
			}
		})
	}
}

// TestSimulatorCompanyAndEmployeeVariants reads one company and refetches
// single employees through the per-company and per-employee routes.
func TestSimulatorCompanyAndEmployeeVariants(t *testing.T) {
	sim, err := ukgsim.New(ukgsim.Config{Employees: 200, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c := simClient(t, srv.URL, 4)
	co := sim.Companies()[0]
	for _, ep := range []Endpoint{EmployeeEmploymentDetails, PersonDetails, CompensationDetails, JobHistoryDetails} {
		want, err := sim.Records(ep.String(), url.Values{ep.info().companyFilter: {co}})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := c.All(t.Context(), ep, Query{CompanyID: co})
		if err != nil {
			t.Fatalf("%s company %s: %v", ep, co, err)
		}
		if len(recs) != len(want) || len(recs) == 0 {
			t.Fatalf("%s company %s: %d records, want %d", ep, co, len(recs), len(want))
		}
		for _, r := range recs {
			if r.CompanyID != co {
				t.Fatalf("%s: record of company %s in a read of %s", ep, r.CompanyID, co)
			}
		}
		// Refetch the first employee of the company.
		one := recs[0]
		got, err := c.Employee(t.Context(), ep, one.CompanyID, one.EmployeeID)
		if err != nil {
			t.Fatalf("%s employee %s: %v", ep, one.Key(), err)
		}
		if len(got) == 0 {
			t.Fatalf("%s employee %s: no rows", ep, one.Key())
		}
		for _, r := range got {
			if r.Key() != one.Key() {
				t.Errorf("%s employee %s: got a row of %s", ep, one.Key(), r.Key())
			}
		}
	}
	if _, err := c.Employee(t.Context(), PersonDetails, sim.Companies()[0], "NOSUCHEMP000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown employee: err = %v, want ErrNotFound", err)
	}
}

// TestSimulatorAuth checks the real 401/403 answers of the simulator.
func TestSimulatorAuth(t *testing.T) {
	sim, err := ukgsim.New(ukgsim.Config{Employees: 20, Deny: []string{"compensation-details"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)

	c := simClient(t, srv.URL, 4)
	if _, err := c.All(t.Context(), CompensationDetails, Query{}); !errors.Is(err, ErrForbidden) {
		t.Fatalf("denied endpoint: err = %v, want ErrForbidden", err)
	}
	bad, err := New(Config{BaseURL: srv.URL, Username: "svc-demo", Password: "wrong", CustomerAPIKey: "DEMO-KEY"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.All(t.Context(), PersonDetails, Query{}); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong password: err = %v, want ErrUnauthorized", err)
	}
	st := sim.Stats()
	if n := st.Requests[ukgsim.RequestKey{Endpoint: "compensation-details", Status: 403}]; n != 1 {
		t.Errorf("%d requests answered 403, want 1 (no retries)", n)
	}
	if n := st.Requests[ukgsim.RequestKey{Endpoint: "person-details", Status: 401}]; n != 1 {
		t.Errorf("%d requests answered 401, want 1 (no retries)", n)
	}
}
