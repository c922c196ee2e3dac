package ukgsim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

const page1 = "/personnel/v1/employee-employment-details?page=1&per_Page=20"

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults Faults
		check  func(t *testing.T, s *Sim, srv string, r resp)
		kind   string // Stats().Faults key
	}{
		{
			name:   "latency",
			faults: Faults{Latency: 150 * time.Millisecond},
			kind:   "latency",
			check: func(t *testing.T, s *Sim, _ string, r resp) {
				if r.status != 200 {
					t.Fatalf("status %d", r.status)
				}
			},
		},
		{
			name:   "429 at a rate",
			faults: Faults{Rate429: 1, RetryAfter: 1500 * time.Millisecond},
			kind:   "429",
			check: func(t *testing.T, s *Sim, _ string, r resp) {
				if r.status != 429 || r.header.Get("Retry-After") != "2" || len(r.body) != 0 {
					t.Fatalf("got %d Retry-After %q body %q, want 429, 2, empty", r.status, r.header.Get("Retry-After"), r.body)
				}
			},
		},
		{
			name:   "5xx",
			faults: Faults{Rate5xx: 1},
			kind:   "5xx",
			check: func(t *testing.T, s *Sim, _ string, r resp) {
				if r.status < 500 || r.status > 599 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
					t.Fatalf("got %d %q", r.status, r.header.Get("Content-Type"))
				}
				var p map[string]any
				if err := json.Unmarshal(r.body, &p); err != nil || p["status"] != float64(r.status) {
					t.Fatalf("problem body %s: %v", r.body, err)
				}
			},
		},
		{
			name:   "truncated page",
			faults: Faults{RateTruncate: 1},
			kind:   "truncate",
			check: func(t *testing.T, s *Sim, _ string, r resp) {
				var v []json.RawMessage
				err := json.Unmarshal(r.body, &v)
				if r.status != 200 || r.err != nil || err == nil {
					t.Fatalf("got %d err %v decode %v, want 200 with undecodable JSON", r.status, r.err, err)
				}
			},
		},
		{
			name:   "malformed page",
			faults: Faults{RateMalformed: 1},
			kind:   "malformed",
			check: func(t *testing.T, s *Sim, _ string, r resp) {
				var v []json.RawMessage
				err := json.Unmarshal(r.body, &v)
				var syn *json.SyntaxError
				if r.status != 200 || !errors.As(err, &syn) {
					t.Fatalf("got %d decode %v, want 200 with a syntax error", r.status, err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, srv := newTestSim(t, Config{Employees: 50})
			if r := get(t, srv, page1); r.status != 200 {
				t.Fatalf("before faults: %d", r.status)
			}
			if err := s.SetFaults(tc.faults); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := get(t, srv, page1)
			if tc.faults.Latency > 0 && time.Since(start) < tc.faults.Latency {
				t.Fatalf("answered after %s, want at least %s", time.Since(start), tc.faults.Latency)
			}
			tc.check(t, s, srv.URL, r)
			if n := s.Stats().Faults[tc.kind]; n != 1 {
				t.Fatalf("Stats().Faults[%q] = %d, want 1", tc.kind, n)
			}
			// Faults never apply to /_sim/*.
			if r := postJSON(t, srv, "/_sim/faults", `{}`); r.status != 200 {
				t.Fatalf("/_sim/faults under faults: %d", r.status)
			}
			// Clearing them restores normal pages.
			s.SetFaults(Faults{})
			records(t, get(t, srv, page1))
		})
	}
}

func TestFaultTokenBucket(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 20, Faults: Faults{RateLimitRPS: 0.001, RateLimitBurst: 3, RetryAfter: 7 * time.Second}})
	var got []int
	for range 5 {
		got = append(got, get(t, srv, page1).status)
	}
	if want := []int{200, 200, 200, 429, 429}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	r := get(t, srv, page1)
	if r.header.Get("Retry-After") != "7" {
		t.Fatalf("Retry-After %q, want 7", r.header.Get("Retry-After"))
	}
	// The bucket is per credential: a bad credential is still a 401, not a 429.
	if r := do(t, srv, page1, func(r *http.Request) { r.SetBasicAuth("x", "y") }); r.status != 401 {
		t.Fatalf("other credential: %d, want 401", r.status)
	}
	if n := s.Stats().Faults["rate_limit"]; n != 3 {
		t.Fatalf("rate_limit faults %d, want 3", n)
	}
}

func TestFaultHang(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 20})
	if r := postJSON(t, srv, "/_sim/faults", `{"rate_hang": 1}`); r.status != 200 {
		t.Fatalf("set faults over HTTP: %d %s", r.status, r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+page1, nil)
	req.SetBasicAuth("svc-demo", "demo-password")
	req.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
	_, err := srv.Client().Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung request ended with %v, want the client's deadline", err)
	}
	if s.Stats().Faults["hang"] != 1 {
		t.Fatalf("hang not counted: %v", s.Stats().Faults)
	}
}

func TestFaultDuplicateAcrossPages(t *testing.T) {
	for _, rate := range []float64{1, 0.5} {
		t.Run(itoa(int(rate*100)), func(t *testing.T) {
			s, srv := newTestSim(t, Config{Employees: 120, Faults: Faults{RateDuplicate: rate}})
			const per = 25
			all := pageAll(t, srv, "/personnel/v1/employee-employment-details", per)
			clean, err := s.Records(EndpointEmployment, nil)
			if err != nil {
				t.Fatal(err)
			}
			dups := s.Stats().Faults["duplicate"]
			if dups == 0 {
				t.Fatal("no duplicate injected")
			}
			if len(all) != len(clean)+int(dups) {
				t.Fatalf("paged %d rows, want %d + %d duplicates", len(all), len(clean), dups)
			}
			// Every clean row was served (nothing lost), and each repeat is
			// the first row of a page equal to the last row of the previous page.
			seen := map[string]int{}
			for _, r := range all {
				seen[key(r, "companyID", "employeeID")]++
			}
			for _, c := range clean {
				var r map[string]any
				json.Unmarshal(c, &r)
				if seen[key(r, "companyID", "employeeID")] == 0 {
					t.Fatalf("row %s lost", key(r, "companyID", "employeeID"))
				}
			}
			repeats := 0
			for i := per; i < len(all); i += per {
				if key(all[i], "companyID", "employeeID") == key(all[i-1], "companyID", "employeeID") {
					repeats++
				}
			}
			if repeats != int(dups) {
				t.Fatalf("%d page-boundary repeats, %d duplicates counted", repeats, dups)
			}
			if rate == 1 && repeats != len(all)/per-boolToInt(len(all)%per == 0) {
				t.Fatalf("rate 1: %d repeats over %d rows", repeats, len(all))
			}
		})
	}
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestFaultsOverHTTP(t *testing.T) {
	s, srv := newTestSim(t, Config{Employees: 20})
	r := postJSON(t, srv, "/_sim/faults", `{"latency":"20ms","rate_5xx":0.25,"retry_after":3000}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	want := Faults{Latency: 20 * time.Millisecond, Rate5xx: 0.25, RetryAfter: 3 * time.Second}
	if got := s.Faults(); got != want {
		t.Fatalf("faults %+v, want %+v", got, want)
	}
	// A partial update keeps the other knobs.
	postJSON(t, srv, "/_sim/faults", `{"rate_5xx":0}`)
	if got := s.Faults(); got.Latency != 20*time.Millisecond || got.Rate5xx != 0 {
		t.Fatalf("after partial update: %+v", got)
	}
	for _, bad := range []string{`{"rate_5xx":2}`, `{"latency":"soon"}`, `{"nope":1}`, `[`} {
		if r := postJSON(t, srv, "/_sim/faults", bad); r.status != 400 {
			t.Fatalf("%s: status %d, want 400", bad, r.status)
		}
	}
}

func TestFaultsAreSeeded(t *testing.T) {
	run := func() []int {
		_, srv := newTestSim(t, Config{Employees: 20, Seed: 7, Faults: Faults{Rate5xx: 0.3, Rate429: 0.2}})
		var out []int
		for range 30 {
			out = append(out, get(t, srv, page1).status)
		}
		return out
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different faults:\n%v\n%v", a, b)
	}
	n := 0
	for _, st := range a {
		if st != 200 {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Fatalf("rates 0.3/0.2 gave %d faults in %d requests", n, len(a))
	}
}
