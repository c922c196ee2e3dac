package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// Store holds whole objects under slash-separated keys, on local disk or in
// an S3-compatible bucket. An object written through [Store.Create] becomes
// visible only when its [ObjectWriter.Commit] returns nil, and then all at
// once: readers and [Store.List] never see part of an object.
//
// Keys are relative, slash-separated and clean ("topic/dt=2026-01-02/f.parquet");
// no segment may be empty, "." or "..", or start with "." (the local backend
// keeps its temporary files under such names).
type Store interface {
	// Create starts a new object. Nothing is visible under key until Commit;
	// an existing object under key stays readable until then and is replaced
	// atomically. ctx governs every upload the writer makes.
	Create(ctx context.Context, key string) (ObjectWriter, error)
	// Open reads a committed object. A missing key gives an error that
	// matches fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// List returns every committed object whose key starts with prefix (a
	// plain string prefix, as in S3, and recursive), sorted by key.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes an object durably. A missing key is not an error.
	Delete(ctx context.Context, key string) error
	// CleanIncomplete removes what interrupted writes left behind for keys
	// starting with prefix: temporary files on disk, incomplete multipart
	// uploads in S3. Pass a whole key to be portable: MinIO lists incomplete
	// uploads by exact object name only. Call it only while no writer for
	// such a key is open.
	CleanIncomplete(ctx context.Context, prefix string) error
}

// ObjectWriter is an object being written. Exactly one of Commit or Abort
// ends it; calling Abort after Commit (as a deferred cleanup) is a no-op.
type ObjectWriter interface {
	io.Writer
	// Commit makes the object durable and visible under its key.
	Commit(ctx context.Context) error
	// Abort discards everything written so far.
	Abort(ctx context.Context) error
}

// ErrFenced reports a publication refused because the object is no longer
// what this writer last saw: another writer (the partition's new owner)
// replaced, created or removed it, or claimed the partition's journal
// (decision 0130). The writer has lost the partition: it must stop
// publishing and committing for it, never retry.
var ErrFenced = errors.New("fenced: another writer owns the partition now")

// Versioned is a [Store] whose objects carry a version (S3: the ETag) and
// whose writes can be made conditional on it: the fence of decision 0130
// on object stores.
type Versioned interface {
	Store
	// OpenVersion is Open that also returns the version being read.
	OpenVersion(ctx context.Context, key string) (io.ReadCloser, string, error)
	// CreateIf is Create whose Commit succeeds only if key is still at
	// version, or, with version "", only if key does not exist; otherwise
	// Commit fails with an error matching ErrFenced and nothing changes.
	CreateIf(ctx context.Context, key, version string) (VersionedWriter, error)
}

// VersionedWriter is an [ObjectWriter] that knows the version it committed.
type VersionedWriter interface {
	ObjectWriter
	// Version is the version of the object after a successful Commit.
	Version() string
}

// Locker is a [Store] that fences writers with exclusive locks instead of
// conditional writes (the local disk, where a rename is unconditional).
type Locker interface {
	Store
	// Lock takes the exclusive lock name, waiting until ctx ends while
	// another holder (this process or another) keeps it; waiting is called
	// once if it has to wait. unlock releases it; so does the end of the
	// process.
	Lock(ctx context.Context, name string, waiting func()) (unlock func() error, err error)
}

// Fencing says how a store keeps a stale writer (a loader that lost a
// partition while one of its publications stalled) from overwriting the
// new owner's files: "conditional writes" (S3 If-Match / If-None-Match),
// "partition lock" (local disk), or "" when it cannot (decision 0130).
func Fencing(s Store) string {
	switch s.(type) {
	case Versioned:
		return "conditional writes"
	case Locker:
		return "partition lock"
	}
	return ""
}

// Object describes a committed object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Put writes body to key atomically: the object appears whole or not at all.
func Put(ctx context.Context, s Store, key string, body io.Reader) error {
	w, err := s.Create(ctx, key)
	if err != nil {
		return err
	}
	defer w.Abort(context.WithoutCancel(ctx))
	if _, err := io.Copy(w, body); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return w.Commit(ctx)
}

// ReadAll returns the whole content of key.
func ReadAll(ctx context.Context, s Store, key string) ([]byte, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

// Point names a step of publishing an object, for fault injection.
type Point int

// The steps at which a [Hook] is called, in order.
const (
	// PointJournal: Partition.Publish is about to record the file in the
	// partition's journal; nothing of the file exists yet.
	PointJournal Point = iota + 1
	// PointPart: one part of a multipart upload (S3) or one buffer of the
	// temporary file (local) has been written; called once per part.
	PointPart
	// PointSync: all bytes are written, before the local temporary file is
	// fsynced or the last S3 part is uploaded.
	PointSync
	// PointPublish: the data is durable but invisible, just before the
	// rename (local) or CompleteMultipartUpload/PutObject (S3).
	PointPublish
	// PointPublished: the object is visible (and, locally, its directory
	// fsynced); the caller has not committed the Kafka offset yet.
	PointPublished
)

func (p Point) String() string {
	switch p {
	case PointJournal:
		return "journal"
	case PointPart:
		return "part"
	case PointSync:
		return "sync"
	case PointPublish:
		return "publish"
	case PointPublished:
		return "published"
	}
	return fmt.Sprintf("Point(%d)", int(p))
}

// Hook is called at each [Point] of writing key. A non-nil error stops the
// write at once and is returned to the caller with nothing cleaned up: no
// temporary file removed, no multipart upload aborted, as if the process had
// been killed there. Tests use it to prove crash recovery.
type Hook func(ctx context.Context, p Point, key string) error

// ErrInvalidKey reports a key the stores refuse.
var ErrInvalidKey = errors.New("invalid object key")

// checkKey enforces the key rules of [Store].
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || path.Clean(key) != key {
		return fmt.Errorf("%w %q", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return fmt.Errorf("%w %q", ErrInvalidKey, key)
		}
	}
	return nil
}

// notExist wraps fs.ErrNotExist with the key.
func notExist(key string) error {
	return fmt.Errorf("open %s: %w", key, fs.ErrNotExist)
}
