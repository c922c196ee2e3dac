package ukgpro

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/envconf"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// benchRow renders an E2-sized row (about 1 KB, 40 fields).
func benchRow(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"companyID":"C%04d","employeeID":"E%011d","employeeNumber":"%09d"`, i%3, i, i)
	for f := range 37 {
		fmt.Fprintf(&b, `,"field%02d":"value %d of row %d"`, f, f, i)
	}
	b.WriteString(`}`)
	return b.String()
}

// BenchmarkPagesIdealRatio pages 100 pages of 200 rows from a server that
// takes 50 ms per page, and reports records/s divided by the ideal
// concurrency × per_page / latency (target ≥ 0.9).
func BenchmarkPagesIdealRatio(b *testing.B) {
	const (
		conc    = 4
		perPage = 200
		pages   = 100
		latency = 50 * time.Millisecond
	)
	bodies := make([][]byte, pages+2)
	for p := 1; p <= pages+1; p++ {
		var rows []string
		if p <= pages {
			for i := (p - 1) * perPage; i < p*perPage; i++ {
				rows = append(rows, benchRow(i))
			}
		}
		bodies[p] = []byte("[" + strings.Join(rows, ",") + "]")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // the simulated server latency
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		w.Header().Set("Content-Type", "application/json")
		if p < 1 || p > pages+1 {
			w.Write([]byte("[]"))
			return
		}
		w.Write(bodies[p])
	}))
	defer srv.Close()
	c, err := New(Config{
		BaseURL: srv.URL, Username: "u", Password: "p", CustomerAPIKey: "k",
		PerPage: perPage, Concurrency: conc,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	records := 0
	start := time.Now()
	for b.Loop() {
		recs, err := c.All(b.Context(), EmployeeEmploymentDetails, Query{})
		if err != nil {
			b.Fatal(err)
		}
		if len(recs) != pages*perPage {
			b.Fatalf("%d records, want %d", len(recs), pages*perPage)
		}
		records += len(recs)
	}
	perSec := float64(records) / time.Since(start).Seconds()
	ideal := float64(conc*perPage) / latency.Seconds()
	b.ReportMetric(perSec, "records/s")
	b.ReportMetric(perSec/ideal, "ideal-ratio")
}

// BenchmarkRateLimitedRatio pages the simulator, whose own token bucket
// allows R requests/s per credential, with the client limited to R as well:
// reports achieved requests/s ÷ R (target ≥ 0.95) and the 429s caused
// (target 0).
func BenchmarkRateLimitedRatio(b *testing.B) {
	const limit = 20.0
	sim, err := ukgsim.New(ukgsim.Config{Employees: 500, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer sim.Close()
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var requests, limited atomic.Int64
	obs := observerFunc(func(_ string, status int) {
		requests.Add(1)
		if status == http.StatusTooManyRequests {
			limited.Add(1)
		}
	})
	c, err := New(Config{
		BaseURL: srv.URL, Username: "svc-demo", Password: envconf.Secret("demo-password"),
		CustomerAPIKey: envconf.Secret("DEMO-KEY"),
		PerPage:        10, Concurrency: 4, RateLimit: limit, RateBurst: 1,
	}, WithObserver(obs))
	if err != nil {
		b.Fatal(err)
	}
	// The simulator's bucket (burst = R) starts full; so does ours (burst 1).
	if err := sim.SetFaults(ukgsim.Faults{RateLimitRPS: limit}); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for b.Loop() {
		if _, err := c.All(b.Context(), EmployeeEmploymentDetails, Query{}); err != nil {
			b.Fatal(err)
		}
	}
	perSec := float64(requests.Load()) / time.Since(start).Seconds()
	b.ReportMetric(perSec, "requests/s")
	b.ReportMetric(perSec/limit, "limit-ratio")
	b.ReportMetric(float64(limited.Load()), "429s")
}

type observerFunc func(endpoint string, status int)

func (f observerFunc) ObserveRequest(ep string, status int, _ time.Duration) { f(ep, status) }
func (f observerFunc) ObserveRetry(string, string)                           {}
