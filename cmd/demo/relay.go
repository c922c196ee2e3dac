package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// demoSigningKey signs the demo relay's calls (a demo value, not a secret).
const demoSigningKey = "demo-relay-signing-key"

// routesFile is the worked example of docs/consumers.md: hires to a
// provisioning hook, leavers to a deprovisioning hook.
const routesFile = `{
  "routes": [
    {"name": "provision",   "url": "%[1]s/provision",   "types": ["employee.hired", "employee.rehired"]},
    {"name": "deprovision", "url": "%[1]s/deprovision", "types": ["employee.terminated", "employee.removed"]},
    {"name": "hr-changes",  "url": "%[1]s/changes",     "types": ["employee.job_changed", "employee.status_changed"]}
  ]
}
`

// receiver is the demo's stand-in for the teams' endpoints: it checks each
// call's signature and counts calls per path and event type.
type receiver struct {
	mu     sync.Mutex
	counts map[string]int
	bad    int
	last   time.Time
	sample http.Header
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(demoSigningKey))
	mac.Write(body)
	ok := r.Header.Get("X-Ukgpro-Signature-256") == "sha256="+hex.EncodeToString(mac.Sum(nil))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.last = time.Now()
	if !ok {
		rc.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	rc.counts[r.URL.Path+" "+strings.TrimPrefix(r.Header.Get("ce-type"), "com.ukgpro.lifecycle.")]++
	if rc.sample == nil {
		rc.sample = r.Header.Clone()
	}
	w.WriteHeader(http.StatusNoContent)
}

// relayStep runs bin/ukgpro-relay with the example routes against an
// in-process receiver until the lifecycle topic is delivered, stops it
// with SIGTERM, and prints what each endpoint received.
func relayStep(ctx context.Context, env []string, bin, out string) error {
	rc := &receiver{counts: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rc, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // closed below
	defer srv.Close()
	routes := filepath.Join(out, "relay-routes.json")
	if err := os.WriteFile(routes, []byte(fmt.Sprintf(routesFile, "http://"+ln.Addr().String())), 0o644); err != nil {
		return err
	}
	step("bin/ukgpro-relay: lifecycle events → HTTP (routes in %s)", filepath.Join(filepath.Base(out), "relay-routes.json"))
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "ukgpro-relay"))
	cmd.Env = append(env, "RELAY_ROUTES_FILE="+routes, "RELAY_SIGNING_KEY="+demoSigningKey,
		"RELAY_SESSION_TIMEOUT=6s", "RELAY_HEARTBEAT_INTERVAL=500ms")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Delivered when the receiver has been quiet for two seconds after the
	// first call (the demo's events are few).
	deadline := time.Now().Add(90 * time.Second)
	for {
		rc.mu.Lock()
		quiet := !rc.last.IsZero() && time.Since(rc.last) > 2*time.Second
		rc.mu.Unlock()
		if quiet || time.Now().After(deadline) {
			break
		}
		select {
		case err := <-done:
			return fmt.Errorf("ukgpro-relay exited early: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := <-done; err != nil {
		return fmt.Errorf("ukgpro-relay after SIGTERM: %w", err)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.counts) == 0 {
		return fmt.Errorf("the relay delivered nothing in 90s")
	}
	keys := make([]string, 0, len(rc.counts))
	for k := range rc.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Printf("    %-40s %5d calls\n", k, rc.counts[k])
	}
	fmt.Printf("    rejected signatures: %d\n    one call's headers: ce-type=%s ce-id=%s Idempotency-Key=%s ce-subject=%s\n", rc.bad,
		rc.sample.Get("ce-type"), rc.sample.Get("ce-id"), rc.sample.Get("Idempotency-Key"), rc.sample.Get("ce-subject"))
	return nil
}
