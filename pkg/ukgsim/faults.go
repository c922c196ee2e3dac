package ukgsim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Fault injection, in the spirit of kfake's Control hooks: the knobs are the
// Faults struct, changeable at run time; the decisions use a seeded RNG so a
// run with the same seed and the same request sequence injects the same
// faults. Order per API request: auth (401/403 are never faults), token
// bucket (429), random 429, random 5xx, hang, latency, then on the rendered
// 200 page: duplicate shift, truncate, malformed.

// SetFaults replaces the injected faults. Rate-limit buckets restart when the
// limit changes.
func (s *Sim) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("set faults: %w", err)
	}
	s.fmu.Lock()
	defer s.fmu.Unlock()
	if f.RateLimitRPS != s.faults.RateLimitRPS || f.RateLimitBurst != s.faults.RateLimitBurst {
		s.limiters = map[string]*rate.Limiter{}
	}
	s.faults = f
	return nil
}

// Faults returns the faults in force.
func (s *Sim) Faults() Faults {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	return s.faults
}

func (s *Sim) countFault(kind string) {
	s.fmu.Lock()
	s.injected[kind]++
	s.fmu.Unlock()
}

type preAction struct {
	status int  // 429 or 5xx to answer at once
	hang   bool // block until the client gives up
}

// preFaults decides the faults that replace the response.
func (s *Sim) preFaults(cred string) (Faults, preAction) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f := s.faults
	if f.RateLimitRPS > 0 {
		l := s.limiters[cred]
		if l == nil {
			burst := f.RateLimitBurst
			if burst == 0 {
				burst = max(1, int(f.RateLimitRPS))
			}
			l = rate.NewLimiter(rate.Limit(f.RateLimitRPS), burst)
			s.limiters[cred] = l
		}
		if !l.Allow() {
			s.injected["rate_limit"]++
			return f, preAction{status: http.StatusTooManyRequests}
		}
	}
	if f.Rate429 > 0 && s.frng.Float64() < f.Rate429 {
		s.injected["429"]++
		return f, preAction{status: http.StatusTooManyRequests}
	}
	if f.Rate5xx > 0 && s.frng.Float64() < f.Rate5xx {
		s.injected["5xx"]++
		return f, preAction{status: [...]int{500, 502, 503}[s.frng.IntN(3)]}
	}
	if f.RateHang > 0 && s.frng.Float64() < f.RateHang {
		s.injected["hang"]++
		return f, preAction{hang: true}
	}
	return f, preAction{}
}

// postFaults corrupts a rendered 200 page.
func (s *Sim) postFaults(body []byte, f Faults) []byte {
	if f.RateTruncate == 0 && f.RateMalformed == 0 {
		return body
	}
	s.fmu.Lock()
	truncate := f.RateTruncate > 0 && s.frng.Float64() < f.RateTruncate
	malformed := !truncate && f.RateMalformed > 0 && s.frng.Float64() < f.RateMalformed
	switch {
	case truncate:
		s.injected["truncate"]++
	case malformed:
		s.injected["malformed"]++
	}
	s.fmu.Unlock()
	switch {
	case truncate:
		return body[:len(body)/2]
	case malformed:
		// A trailing comma before the closing bracket: invalid JSON even for an empty page.
		return append(body[:len(body)-1], ',', ']')
	}
	return body
}

// duplicateShift returns how many rows page pageNo starts early: the number
// of page boundaries j in 2..pageNo at which a row repeats. Whether boundary
// j repeats a row is a pure function of the seed, the paging session
// (credential, path, query without page) and j, so the answer does not
// depend on the order pages arrive in: a client reading pages concurrently,
// or retrying one, sees rows repeated and never lost, as with a row inserted
// before its position while it reads.
func (s *Sim) duplicateShift(cred string, r *http.Request, pageNo int, f Faults) int {
	if f.RateDuplicate == 0 || pageNo <= 1 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(sessionKey(cred, r)))
	base := h.Sum64() ^ s.cfg.Seed
	n, here := 0, false
	for j := 2; j <= pageNo; j++ {
		if float64(splitmix64(base^uint64(j))>>11)/(1<<53) < f.RateDuplicate {
			n++
			here = j == pageNo
		}
	}
	if here {
		s.fmu.Lock()
		s.injected["duplicate"]++
		s.fmu.Unlock()
	}
	return n
}

func sessionKey(cred string, r *http.Request) string {
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if !strings.EqualFold(k, "page") {
			keys = append(keys, strings.ToLower(k))
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(cred)
	b.WriteByte(' ')
	b.WriteString(strings.ToLower(r.URL.Path))
	lower := url.Values{}
	for k, v := range q {
		lower[strings.ToLower(k)] = v
	}
	for _, k := range keys {
		b.WriteByte('&')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(lower.Get(k))
	}
	return b.String()
}

// faultsJSON is the wire form of Faults: durations as Go duration strings ("250ms").
type faultsJSON struct {
	Latency        string  `json:"latency"`
	RateLimitRPS   float64 `json:"rate_limit_rps"`
	RateLimitBurst int     `json:"rate_limit_burst"`
	Rate429        float64 `json:"rate_429"`
	RetryAfter     string  `json:"retry_after"`
	Rate5xx        float64 `json:"rate_5xx"`
	RateHang       float64 `json:"rate_hang"`
	RateTruncate   float64 `json:"rate_truncate"`
	RateMalformed  float64 `json:"rate_malformed"`
	RateDuplicate  float64 `json:"rate_duplicate"`
}

// MarshalJSON writes durations as strings such as "250ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		Latency: f.Latency.String(), RateLimitRPS: f.RateLimitRPS, RateLimitBurst: f.RateLimitBurst,
		Rate429: f.Rate429, RetryAfter: f.RetryAfter.String(), Rate5xx: f.Rate5xx, RateHang: f.RateHang,
		RateTruncate: f.RateTruncate, RateMalformed: f.RateMalformed, RateDuplicate: f.RateDuplicate,
	})
}

// UnmarshalJSON reads the form MarshalJSON writes; durations may also be
// numbers of milliseconds. Keys absent from the input keep their values.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	dur := func(name string, d *time.Duration) error {
		v, ok := raw[name]
		if !ok {
			return nil
		}
		delete(raw, name)
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			x, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("faults %s: %w", name, err)
			}
			*d = x
			return nil
		}
		var ms float64
		if err := json.Unmarshal(v, &ms); err != nil {
			return fmt.Errorf("faults %s: want a duration string or milliseconds", name)
		}
		*d = time.Duration(ms * float64(time.Millisecond))
		return nil
	}
	if err := dur("latency", &f.Latency); err != nil {
		return err
	}
	if err := dur("retry_after", &f.RetryAfter); err != nil {
		return err
	}
	fields := map[string]any{
		"rate_limit_rps": &f.RateLimitRPS, "rate_limit_burst": &f.RateLimitBurst, "rate_429": &f.Rate429,
		"rate_5xx": &f.Rate5xx, "rate_hang": &f.RateHang, "rate_truncate": &f.RateTruncate,
		"rate_malformed": &f.RateMalformed, "rate_duplicate": &f.RateDuplicate,
	}
	for k, v := range raw {
		dst, ok := fields[k]
		if !ok {
			return fmt.Errorf("faults: unknown key %q", k)
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("faults %s: %w", k, err)
		}
	}
	return nil
}
