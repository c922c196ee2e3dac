// Package probe checks that an HTTP health endpoint answers 2xx. It is what
// cmd/probe runs as a container HEALTHCHECK: the images are distroless (no
// shell, no curl), so a static probe binary is copied beside each program.
//
// It knows nothing of the programs' configuration: the caller names the URL.
// Check is the one function to learn.
package probe
