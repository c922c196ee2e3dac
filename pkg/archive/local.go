package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Local is a [Store] in a directory of the local filesystem.
//
// Create writes to a temporary file in the target's own directory, named
// ".<name>.tmp-<random>" so List and query engines skip it (Hive readers
// ignore names starting with "." or "_"). Commit fsyncs the file, renames it
// over the key and fsyncs the directory, so after Commit returns the object
// survives a power loss, and before the rename nobody sees it. Directories
// created on the way are fsynced into their parents too.
type Local struct {
	root string
	hook Hook
}

// NewLocal returns a store rooted at dir, creating dir if needed.
func NewLocal(dir string, opts ...Option) (*Local, error) {
	o := buildOptions(opts)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local store %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	return &Local{root: abs, hook: o.hook}, nil
}

// Root returns the absolute directory of the store.
func (l *Local) Root() string { return l.root }

func (l *Local) path(key string) string {
	return filepath.Join(l.root, filepath.FromSlash(key))
}

func (l *Local) callHook(ctx context.Context, p Point, key string) error {
	if l.hook == nil {
		return nil
	}
	return l.hook(ctx, p, key)
}

// Create implements [Store].
func (l *Local) Create(ctx context.Context, key string) (ObjectWriter, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	final := l.path(key)
	dir := filepath.Dir(final)
	if err := l.mkdirAllSync(dir); err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(final)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", key, err)
	}
	return &localWriter{l: l, ctx: ctx, key: key, final: final, f: f}, nil
}

// mkdirAllSync creates dir and its missing parents below the root, fsyncing
// each new directory's parent so the new entries are durable.
func (l *Local) mkdirAllSync(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	var missing []string
	for d := dir; d != l.root && len(d) > len(l.root); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range missing {
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

type localWriter struct {
	l     *Local
	ctx   context.Context
	key   string
	final string
	f     *os.File
	done  bool // committed, aborted or crashed by a hook
	err   error
}

func (w *localWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.done {
		return 0, fmt.Errorf("write %s: writer closed", w.key)
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = fmt.Errorf("write %s: %w", w.key, err)
		return n, w.err
	}
	if err := w.l.callHook(w.ctx, PointPart, w.key); err != nil {
		w.crash(err)
		return n, w.err
	}
	return n, nil
}

// crash records a hook failure: the temporary file stays behind, as after a
// kill, but its descriptor is closed so the test process does not leak it.
func (w *localWriter) crash(err error) {
	w.err = err
	w.done = true
	w.f.Close()
}

func (w *localWriter) Commit(ctx context.Context) error {
	if w.err != nil {
		return w.err
	}
	if w.done {
		return fmt.Errorf("commit %s: writer closed", w.key)
	}
	if err := w.l.callHook(ctx, PointSync, w.key); err != nil {
		w.crash(err)
		return err
	}
	if err := ctx.Err(); err != nil {
		w.abort()
		return fmt.Errorf("commit %s: %w", w.key, err)
	}
	if err := w.f.Sync(); err != nil {
		w.abort()
		return fmt.Errorf("commit %s: fsync: %w", w.key, err)
	}
	if err := w.f.Close(); err != nil {
		w.done = true
		os.Remove(w.f.Name())
		return fmt.Errorf("commit %s: close: %w", w.key, err)
	}
	if err := w.l.callHook(ctx, PointPublish, w.key); err != nil {
		w.err, w.done = err, true
		return err
	}
	w.done = true
	if err := os.Rename(w.f.Name(), w.final); err != nil {
		os.Remove(w.f.Name())
		return fmt.Errorf("commit %s: rename: %w", w.key, err)
	}
	if err := syncDir(filepath.Dir(w.final)); err != nil {
		return fmt.Errorf("commit %s: %w", w.key, err)
	}
	if err := w.l.callHook(ctx, PointPublished, w.key); err != nil {
		return err
	}
	return nil
}

func (w *localWriter) abort() {
	if w.done {
		return
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
}

func (w *localWriter) Abort(context.Context) error {
	if w.done {
		return nil
	}
	w.abort()
	return nil
}

// Open implements [Store].
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notExist(key)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	return f, nil
}

// List implements [Store]. It reads only the directory that holds prefix's
// last segment and the directories below it.
func (l *Local) List(ctx context.Context, prefix string) ([]Object, error) {
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i]
	}
	start := l.root
	if dirKey != "" {
		start = l.path(dirKey)
	}
	var out []Object
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a directory vanished or never existed: nothing under it
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == start {
			return nil
		}
		rel, _ := filepath.Rel(l.root, p)
		key := filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			// Descend only where keys below can still match prefix.
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasPrefix(key, prefix) || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		out = append(out, Object{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements [Store]; the directory is fsynced after the removal.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	p := l.path(key)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	return nil
}

// CleanIncomplete implements [Store]: it removes the temporary files of
// interrupted writes whose key starts with prefix, looking only in the
// directory of prefix's last segment.
func (l *Local) CleanIncomplete(ctx context.Context, prefix string) error {
	dirKey, namePrefix := path.Split(prefix)
	dir := l.root
	if dirKey != "" {
		dir = l.path(strings.TrimSuffix(dirKey, "/"))
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("clean incomplete %q: %w", prefix, err)
	}
	removed := false
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, "."+namePrefix) || !strings.Contains(n, ".tmp-") {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("clean incomplete %q: %w", prefix, err)
		}
		removed = true
	}
	if removed {
		return syncDir(dir)
	}
	return nil
}
