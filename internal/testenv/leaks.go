package testenv

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// Needle is a value that must never appear in what a test searches (logs,
// metrics, Kafka messages). A Digits needle matches only where no letter or
// digit touches it: a bare 9-digit SSN would otherwise turn up inside hex
// hashes and timestamps by chance.
type Needle struct {
	What, Value string
	Digits      bool
}

// In reports whether n occurs in text.
func (n Needle) In(text string) bool {
	if !n.Digits {
		return strings.Contains(text, n.Value)
	}
	for i := 0; ; {
		j := strings.Index(text[i:], n.Value)
		if j < 0 {
			return false
		}
		at, end := i+j, i+j+len(n.Value)
		if (at == 0 || !alnum(text[at-1])) && (end == len(text) || !alnum(text[end])) {
			return true
		}
		i = at + 1
	}
}

func alnum(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// IdentifierNeedles returns the national identifiers (ssn, nationalId,
// previousSSN) of the simulator's person records as served now, each as
// sent, as bare digits and as NNN-NN-NNNN. It fails the test when there are
// fewer than min of them, or when the search would not find one of them in
// the records themselves (a search that finds nothing proves nothing).
func IdentifierNeedles(t testing.TB, sim *ukgsim.Sim, min int) []Needle {
	t.Helper()
	recs, err := sim.Records(ukgsim.EndpointPerson, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []Needle
	var sent []string // the values as the records carry them
	seen := map[string]bool{}
	var raw bytes.Buffer
	for _, rec := range recs {
		raw.Write(rec)
		raw.WriteByte('\n')
		var r map[string]any
		if err := json.Unmarshal(rec, &r); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"ssn", "nationalId", "previousSSN"} {
			s, _ := r[f].(string)
			if s == "" {
				continue
			}
			sent = append(sent, s)
			plain := strings.ReplaceAll(s, "-", "")
			vs := []string{s, plain}
			if len(plain) == 9 {
				vs = append(vs, plain[:3]+"-"+plain[3:5]+"-"+plain[5:])
			}
			for _, v := range vs {
				if !seen[v] {
					seen[v] = true
					out = append(out, Needle{What: "an identifier (" + f + ")", Value: v, Digits: !strings.Contains(v, "-")})
				}
			}
		}
	}
	if len(out) < min {
		t.Fatalf("only %d identifier values to look for, want at least %d", len(out), min)
	}
	for _, s := range sent {
		if n := (Needle{Value: s, Digits: !strings.Contains(s, "-")}); !n.In(raw.String()) {
			t.Fatalf("the search does not find %q in the simulator's records", s)
		}
	}
	return out
}

// BankNeedles returns the bank account identifiers the simulator serves now
// (direct-deposit account and routing numbers; global-bank account
// numbers, IBANs and SWIFT codes) and the national identifiers of employee
// contacts (ssn, nationalId), each as sent and, for SSNs, as bare digits.
// It fails the test when there are fewer than min of them or when the
// search would not find one in the records themselves.
func BankNeedles(t testing.TB, sim *ukgsim.Sim, min int) []Needle {
	t.Helper()
	var out []Needle
	for _, src := range []struct {
		endpoint string
		fields   []string
	}{
		{ukgsim.EndpointDirectDeposit, []string{"account", "employeeBankRoutingNumber"}},
		{ukgsim.EndpointGlobalBanks, []string{"bankAccountNumber", "iban", "swiftCode"}},
		{ukgsim.EndpointContacts, []string{"ssn", "nationalId"}},
	} {
		out = append(out, fieldNeedles(t, sim, src.endpoint, src.fields)...)
	}
	if len(out) < min {
		t.Fatalf("only %d bank and contact identifier values to look for, want at least %d", len(out), min)
	}
	return out
}

// fieldNeedles returns the values of fields in every record of endpoint:
// letters-and-digits values as sent, SSN-like ones also as bare digits.
func fieldNeedles(t testing.TB, sim *ukgsim.Sim, endpoint string, fields []string) []Needle {
	t.Helper()
	recs, err := sim.Records(endpoint, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []Needle
	seen := map[string]bool{}
	var raw bytes.Buffer
	var sent []Needle
	for _, rec := range recs {
		raw.Write(rec)
		raw.WriteByte('\n')
		var r map[string]any
		if err := json.Unmarshal(rec, &r); err != nil {
			t.Fatal(err)
		}
		for _, f := range fields {
			v, _ := r[f].(string)
			if v == "" {
				continue
			}
			vs := []string{v}
			if plain := strings.ReplaceAll(v, "-", ""); plain != v {
				vs = append(vs, plain)
			}
			for i, x := range vs {
				n := Needle{What: "a bank or contact identifier (" + endpoint + " " + f + ")", Value: x, Digits: !strings.Contains(x, "-")}
				if i == 0 {
					sent = append(sent, n)
				}
				if !seen[x] {
					seen[x] = true
					out = append(out, n)
				}
			}
		}
	}
	for _, n := range sent {
		if !n.In(raw.String()) {
			t.Fatalf("the search does not find %q in the simulator's %s records", n.Value, endpoint)
		}
	}
	return out
}

// TopicText renders every message of topic (key, value and headers, one
// per line) for a search.
func TopicText(t testing.TB, brokers []string, topic string) string {
	t.Helper()
	var b strings.Builder
	for _, m := range Messages(t, brokers, topic) {
		b.Write(m.Key)
		b.WriteByte('\n')
		b.Write(m.Value)
		b.WriteByte('\n')
		for _, h := range m.Headers {
			b.WriteString(h.Key + "=" + string(h.Value) + "\n")
		}
	}
	return b.String()
}

// NoLeaks fails the test for every place (a name → the text searched) that
// holds a needle, naming the place, what leaked and how many values.
func NoLeaks(t testing.TB, where map[string]string, needles []Needle) {
	t.Helper()
	places := make([]string, 0, len(where))
	for p := range where {
		places = append(places, p)
	}
	sort.Strings(places)
	for _, place := range places {
		found := map[string]int{}
		for _, n := range needles {
			if n.In(where[place]) {
				found[n.What]++
			}
		}
		whats := make([]string, 0, len(found))
		for w := range found {
			whats = append(whats, w)
		}
		sort.Strings(whats)
		for _, w := range whats {
			t.Errorf("%s: %d values of %s", place, found[w], w)
		}
	}
}
