// Command probe is the images' health check: `probe URL` exits 0 when GET
// URL answers 2xx and 1 otherwise, printing why. The images are distroless
// (no shell, no curl), so Docker's HEALTHCHECK and compose's healthcheck run
// this static binary, e.g. `probe http://127.0.0.1:9465/readyz`. Kubernetes
// uses httpGet probes instead and does not need it.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/probe"
)

func main() {
	if len(os.Args) != 2 || os.Args[1] == "-h" || os.Args[1] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: probe http://127.0.0.1:PORT/PATH  (exit 0 when it answers 2xx)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := probe.Check(ctx, &http.Client{}, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
