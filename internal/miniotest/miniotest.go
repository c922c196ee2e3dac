// Package miniotest runs a real MinIO server on loopback for tests, so S3
// code is tested against a real S3 implementation (multipart, listing,
// conditional semantics) without Docker.
//
// The server binary is built by `make minio` into .tools/minio (MinIO is
// AGPL: it is a test server here, never linked into the product). Tests find
// it through $MINIO_BIN or <module root>/.tools/minio and fail, not skip,
// when it is missing. Learn [Start] and [Server] first.
package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Server is a running MinIO server.
type Server struct {
	Endpoint  string // host:port on 127.0.0.1, plain HTTP
	AccessKey string
	SecretKey string
	Region    string
	DataDir   string
}

// Binary returns the path of the MinIO server binary: $MINIO_BIN, or
// .tools/minio under the module root found above the working directory.
func Binary() (string, error) {
	if p := os.Getenv("MINIO_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("MINIO_BIN=%s: %w (run `make minio`)", p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".tools", "minio")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("MinIO server binary %s not found: run `make minio` (or set MINIO_BIN)", p)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("MinIO server binary not found: no go.mod above the working directory; run `make minio` or set MINIO_BIN")
		}
		dir = parent
	}
}

// Start runs a MinIO server with a fresh data directory on free loopback
// ports, waits until /minio/health/live answers 200 and stops it when the
// test ends. It fails the test if the binary is missing or the server does
// not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between pick and bind
		s, err := start(t, bin)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("start minio: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t testing.TB, bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	consolePort, err := freePort()
	if err != nil {
		return nil, err
	}
	root := t.TempDir()
	data := filepath.Join(root, "data")
	secret := make([]byte, 12)
	rand.Read(secret)
	s := &Server{
		Endpoint:  "127.0.0.1:" + strconv.Itoa(port),
		AccessKey: "minio-test",
		SecretKey: hex.EncodeToString(secret),
		Region:    "us-east-1",
		DataDir:   data,
	}
	cmd := exec.Command(bin, "server", data,
		"--address", s.Endpoint,
		"--console-address", "127.0.0.1:"+strconv.Itoa(consolePort),
		"--certs-dir", filepath.Join(root, "certs"),
		"--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_REGION="+s.Region,
		"HOME="+root,
	)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	url := "http://" + s.Endpoint + "/minio/health/live"
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("minio at %s not live after 60s; output:\n%s", s.Endpoint, out.String())
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("minio exited early (%v); output:\n%s", err, out.String())
		case <-tick.C:
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("minio output:\n%s", out.String())
		}
	})
	return s, nil
}

// Client returns a minio-go client for the server.
func (s *Server) Client(t testing.TB) *minio.Client {
	t.Helper()
	c, err := minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region:       s.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatalf("minio client: %v", err)
	}
	return c
}

// MakeBucket creates a bucket and returns its name.
func (s *Server) MakeBucket(t testing.TB, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client(t).MakeBucket(ctx, name, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("make bucket %s: %v", name, err)
	}
	return name
}
