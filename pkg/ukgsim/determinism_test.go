package ukgsim

import (
	"bytes"
	"testing"
)

func TestDeterministicBySeed(t *testing.T) {
	paths := []string{
		"/personnel/v1/employee-employment-details?page=2&per_Page=50",
		"/personnel/v1/employment-details?page=1&per_Page=50",
		"/personnel/v1/person-details?page=3&per_Page=40",
		"/personnel/v1/compensation-details?page=1&per_Page=60",
		"/personnel/v1/employee-job-history-details?page=4&per_Page=100",
		"/personnel/v1/employee-demographic-details?page=1&per_Page=30",
		"/personnel/v1/employee-changes?startDate=2025-06-02&page=1&per_page=100",
	}
	fetch := func(seed uint64) [][]byte {
		s, srv := newTestSim(t, Config{Employees: 400, Seed: seed})
		if _, err := s.Advance(45); err != nil {
			t.Fatal(err)
		}
		var out [][]byte
		for _, p := range paths {
			r := get(t, srv, p)
			if r.status != 200 {
				t.Fatalf("%s: %d", p, r.status)
			}
			out = append(out, r.body)
		}
		return out
	}
	a, b, c := fetch(11), fetch(11), fetch(12)
	for i, p := range paths {
		if !bytes.Equal(a[i], b[i]) {
			t.Errorf("%s: same seed, different bytes", p)
		}
		if bytes.Equal(a[i], c[i]) {
			t.Errorf("%s: different seeds, same bytes", p)
		}
		if len(a[i]) < 100 {
			t.Errorf("%s: suspiciously small page %q", p, a[i])
		}
	}
}
