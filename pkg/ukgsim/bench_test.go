package ukgsim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
)

const benchEmployees = 200_000

// BenchmarkBuild builds the 200,000-person tenant with full job history and
// reports the heap it holds (target: well under 1 GiB).
func BenchmarkBuild(b *testing.B) {
	var s *Sim
	for b.Loop() {
		var err error
		s, err = New(Config{Employees: benchEmployees, Start: testStart})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "MiB-heap")
	b.ReportMetric(float64(len(s.emps)), "employments")
	b.ReportMetric(float64(s.histCum[len(s.histCum)-1]), "history-rows")
	runtime.KeepAlive(s)
}

var (
	benchOnce sync.Once
	benchSim  *Sim
)

func bigSim(b *testing.B) *Sim {
	benchOnce.Do(func() {
		s, err := New(Config{Employees: benchEmployees, Start: testStart})
		if err != nil {
			b.Fatal(err)
		}
		benchSim = s
	})
	return benchSim
}

// BenchmarkPage100 serves one page of 100 records over loopback HTTP with a
// real client, spread over the whole 200,000-person tenant (target: < 5 ms).
func BenchmarkPage100(b *testing.B) {
	s := bigSim(b)
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, ep := range []string{EndpointEmployment, EndpointPerson, EndpointJobHistory, EndpointCompensation} {
		b.Run(ep, func(b *testing.B) {
			pages := s.Rows(ep) / 100
			fetch := func(page int) int {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet,
					srv.URL+"/personnel/v1/"+ep+"?per_Page=100&page="+itoa(page), nil)
				req.SetBasicAuth("svc-demo", "demo-password")
				req.Header.Set("US-Customer-Api-Key", "DEMO-KEY")
				res, err := srv.Client().Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
				return int(n)
			}
			fetch(1)     // connection set up outside the timing
			runtime.GC() // the 200,000-person build's garbage is not this page's cost
			var bytes int
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				bytes += fetch(1 + (i*7919)%pages)
			}
			b.ReportMetric(float64(bytes)/float64(i), "bytes/page")
		})
	}
}

// BenchmarkRender renders a page of 100 E2 records in memory (no HTTP).
func BenchmarkRender(b *testing.B) {
	s := bigSim(b)
	q := &query{ep: epEmployment2, lo: 0, hi: len(s.order)}
	buf := make([]byte, 0, 1<<20)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		buf = buf[:0]
		w := jw{b: buf}
		s.page(q, (i*7919)%(len(s.order)-100), 100, func(v *view) {
			w.open()
			epEmployment2.render(&w, v)
			w.close()
		})
		buf = w.b
	}
}

func BenchmarkAdvance30Days(b *testing.B) {
	s, err := New(Config{Employees: 20_000, Start: testStart})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Advance(30); err != nil {
			b.Fatal(err)
		}
	}
}
