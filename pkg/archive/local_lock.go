//go:build unix

package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Local is a [Locker] on Unix systems only (flock(2)); elsewhere it cannot
// fence a stale loader and [Fencing] says so (decision 0130).

// lockDir holds the partition locks, below the root under a name that
// starts with "." so List, the audit tool and Hive readers never see it.
const lockDir = ".locks"

// Lock implements [Locker] with flock(2) on <root>/.locks/<name>.lock. The
// kernel releases the lock when the holder's descriptor closes, so a killed
// loader never leaves it held. flock does not interrupt on a context, so
// Lock polls (every 10 ms, backing off to 250 ms) while it waits. Locks on
// a network filesystem are only as good as its flock (decision 0130).
func (l *Local) Lock(ctx context.Context, name string, waiting func()) (func() error, error) {
	if strings.ContainsAny(name, "/\\") || name == "" || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("lock %q: %w", name, ErrInvalidKey)
	}
	dir := filepath.Join(l.root, lockDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, name+".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	wait := 10 * time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: flock: %w", name, err)
		}
		if waiting != nil {
			waiting()
			waiting = nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", name, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
	return func() error {
		// Closing the descriptor releases the flock.
		if err := f.Close(); err != nil {
			return fmt.Errorf("unlock %s: %w", name, err)
		}
		return nil
	}, nil
}
