// Package ukgsim is a simulated UKG Pro (UltiPro) tenant: an http.Handler
// that serves the read-only personnel endpoints E1–E7 of
// ukgpro-api.md (the team's API reference; see docs/simulator.md) with their paths,
// field names and casing quirks, filters, paging, authentication and errors,
// over a seeded synthetic workforce that changes when its tenant clock is
// advanced, with injectable faults.
//
// Learn these first:
//
//   - [Config] (and [Faults], [Rates]): every setting, each an environment
//     variable; zero fields take their defaults, so tests write
//     ukgsim.New(ukgsim.Config{Employees: 500}).
//   - [Sim]: the tenant. Serve it with httptest.NewServer(sim). [Sim.Advance]
//     moves the clock and returns the [GroundTruth] of what changed;
//     [Sim.SetFaults] changes faults at run time; [Sim.Rows], [Sim.Count] and
//     [Sim.Records] say exactly what a full, fault-free paging serves.
//
// Files: one per endpoint (e1_demographics.go … e7_employee_changes.go), each
// headed by what it supports; endpoint.go has routing-independent filters and
// paging; model.go the compact workforce and its generation; advance.go the
// lifecycle changes; faults.go the fault hooks; json.go the hand-written JSON
// appender.
//
// Control routes (no auth, never faulted): POST /_sim/advance?days=N,
// GET|POST|DELETE /_sim/faults, GET /_sim/stats, GET /_sim/clock.
//
// Left out: E8 (supervisor details, contacts, pay register) and the other
// §8 endpoints, XML responses, POST endpoints, and person-level edits that
// are not lifecycle events (address or name changes). Decisions are in
// docs/decisions/0001–0005 and docs/simulator.md.
package ukgsim
