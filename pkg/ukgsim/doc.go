// Package ukgsim is a simulated UKG Pro (UltiPro) tenant: an http.Handler
// that serves the read-only personnel endpoints E1–E7 of
// ukgpro-api.md (the team's API reference; see docs/simulator.md) and the
// company configuration, contacts, PTO, direct-deposit, global-bank and
// contract endpoints of ukgpro-api-more.md (C1–C4, C7, P1, P2, B1, B2, K1) with their paths,
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
// Files: one per endpoint (e1_demographics.go … e7_employee_changes.go,
// c1_companies.go … k1_contracts.go), each headed by what it supports;
// configuration.go the mutable code tables; advance_config.go the
// configuration and bank changes of Advance; endpoint.go has routing-independent filters and
// paging; model.go the compact workforce and its generation; advance.go the
// lifecycle changes; faults.go the fault hooks; json.go the hand-written JSON
// appender.
//
// Control routes (no auth, never faulted): POST /_sim/advance?days=N,
// GET|POST|DELETE /_sim/faults, GET /_sim/stats, GET /_sim/clock.
//
// Left out: E8's supervisor details and pay register, the pay-element,
// pay-statement and other configuration endpoints of ukgpro-api-more.md, XML responses, POST endpoints, and person-level edits that
// are not lifecycle events (address or name changes). Decisions are in
// docs/decisions/0001–0005 and docs/simulator.md.
package ukgsim
