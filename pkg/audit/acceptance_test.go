package audit_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// instant is the simulator's state right after the archive caught up with it.
type instant struct {
	at   time.Time
	emps []ukgsim.Employment
}

// history builds an archive over a baseline and six advances with hires,
// terminations, rehires, job and pay changes, and returns the instants.
func history(t *testing.T) (*pipeline, []instant) {
	t.Helper()
	p := newPipeline(t, ukgsim.Config{Employees: 250, Companies: 3, Seed: 14, Start: "2026-01-05"})
	var out []instant
	snap := func() {
		p.step()
		out = append(out, instant{at: time.Now().UTC(), emps: p.sim.Employments()})
	}
	snap()
	for range 6 {
		if _, err := p.sim.Advance(25); err != nil {
			t.Fatal(err)
		}
		snap()
	}
	if dir := os.Getenv("AUDIT_KEEP"); dir != "" {
		if err := exec.Command("cp", "-r", p.root, dir).Run(); err != nil {
			t.Fatal(err)
		}
	}
	return p, out
}

func TestScratch(t *testing.T) {
	if os.Getenv("AUDIT_KEEP") == "" {
		t.Skip()
	}
	history(t)
}
