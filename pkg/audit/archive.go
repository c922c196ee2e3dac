package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// Config is how the audit tool finds an archive. The archive settings are
// the loader's own (LOADER_OUTPUT, S3_*), so the loader's environment works
// as it is.
type Config struct {
	Archive archive.Config
	// TopicPrefix names the topics' directories, as KAFKA_TOPIC_PREFIX does
	// for the extractor and the loader.
	TopicPrefix string `env:"KAFKA_TOPIC_PREFIX, default=ukgpro." desc:"prefix of every topic name (the archive's top-level directories)"`
	// CacheDir holds S3 objects downloaded for DuckDB and the key index.
	CacheDir string `env:"AUDIT_CACHE_DIR" desc:"local cache of downloaded S3 objects and of the key index (default: the user cache directory/ukgpro-audit)"`
}

// Archive is a read-only view of one loader archive. Methods are not safe
// for concurrent use; one CLI invocation uses one Archive.
type Archive struct {
	cfg    Config
	store  archive.Store
	root   string // local directory where a key's file is (the store's, or the download cache's)
	remote bool   // objects are downloaded into root before DuckDB reads them
	cache  string // this archive's cache directory
	db     *sql.DB
	reg    *schema.Registry
	log    *slog.Logger
	listed map[string]*listing
	stats  Stats
}

// Stats count what the queries of an Archive read, for the pruning report.
type Stats struct {
	FilesTotal  int // data files of the topics the queries looked at
	FilesOpened int // data files handed to DuckDB
	Downloaded  int // S3 objects fetched into the cache
	Pruning     []string
}

// File is one data file of the archive.
type File struct {
	archive.FileRef
	Key     string
	Size    int64
	ModTime time.Time
}

type listing struct {
	files   []File
	foreign []archive.Object // objects under the topic that are not data files
}

// ErrInput marks an error in what the user asked for (unknown key or topic,
// malformed date, unreadable archive): the CLI exits 2 on it.
var ErrInput = errors.New("bad input")

func inputError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// Open opens the archive cfg names. It lists nothing yet; an unreadable
// archive is reported by the first query.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Archive, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	store, err := archive.Open(ctx, cfg.Archive, archive.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("%w: open archive %s: %v", ErrInput, cfg.Archive.Output, err)
	}
	reg, err := schema.Load()
	if err != nil {
		return nil, err
	}
	base := cfg.CacheDir
	if base == "" {
		if base, err = os.UserCacheDir(); err != nil {
			base = os.TempDir()
		}
		base = filepath.Join(base, "ukgpro-audit")
	}
	sum := sha256.Sum256([]byte(cfg.Archive.Output))
	a := &Archive{
		cfg: cfg, store: store, reg: reg, log: log, listed: map[string]*listing{},
		cache: filepath.Join(base, hex.EncodeToString(sum[:8])),
	}
	if l, ok := store.(*archive.Local); ok {
		a.root = l.Root()
		if _, err := os.Stat(a.root); err != nil {
			return nil, inputError("archive %s: %v", cfg.Archive.Output, err)
		}
	} else {
		a.remote = true
		a.root = filepath.Join(a.cache, "objects")
	}
	if err := os.MkdirAll(a.cache, 0o755); err != nil {
		return nil, fmt.Errorf("audit cache: %w", err)
	}
	a.db, err = sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	a.db.SetMaxOpenConns(1) // one connection: temp tables stay visible
	if _, err := a.db.ExecContext(ctx, fmt.Sprintf("SET threads=%d", runtime.NumCPU())); err != nil {
		a.db.Close()
		return nil, fmt.Errorf("configure duckdb: %w", err)
	}
	return a, nil
}

// Close releases DuckDB.
func (a *Archive) Close() error { return a.db.Close() }

// Stats returns what the queries so far read.
func (a *Archive) Stats() Stats { return a.stats }

// Topic returns the topic name of name: a full topic name, or a schema name
// ("employees") that gets the topic prefix.
func (a *Archive) Topic(name string) (string, error) {
	for _, n := range a.reg.Names() {
		if name == n || name == a.cfg.TopicPrefix+n {
			return a.cfg.TopicPrefix + n, nil
		}
	}
	return "", inputError("unknown topic %q (want one of %s)", name, strings.Join(a.reg.Names(), ", "))
}

// schemaName is the schema of topic, "" when the topic has none.
func (a *Archive) schemaName(topic string) string {
	n := strings.TrimPrefix(topic, a.cfg.TopicPrefix)
	if a.reg.Topic(n) == nil {
		return ""
	}
	return n
}

// Files lists topic's data files in (partition, first offset) order.
func (a *Archive) Files(ctx context.Context, topic string) ([]File, error) {
	l, err := a.list(ctx, topic)
	if err != nil {
		return nil, err
	}
	return l.files, nil
}

func (a *Archive) list(ctx context.Context, topic string) (*listing, error) {
	if l, ok := a.listed[topic]; ok {
		return l, nil
	}
	objs, err := a.store.List(ctx, topic+"/")
	if err != nil {
		return nil, inputError("list %s in %s: %v", topic, a.cfg.Archive.Output, err)
	}
	l := &listing{}
	for _, o := range objs {
		ref, err := archive.ParseFileKey(o.Key)
		if err != nil || ref.Topic != topic {
			l.foreign = append(l.foreign, o)
			continue
		}
		l.files = append(l.files, File{FileRef: ref, Key: o.Key, Size: o.Size, ModTime: o.ModTime})
	}
	slices.SortFunc(l.files, func(x, y File) int {
		return cmp.Or(cmp.Compare(x.Partition, y.Partition), cmp.Compare(x.FirstOffset, y.FirstOffset), cmp.Compare(x.Key, y.Key))
	})
	a.listed[topic] = l
	return l, nil
}

// path is where DuckDB reads key.
func (a *Archive) path(key string) string { return filepath.Join(a.root, filepath.FromSlash(key)) }

// fetch makes files readable by DuckDB and returns their paths: the files
// themselves on a local archive; on S3, copies in the cache, downloaded
// when missing or when the object changed (a loader may replace a file
// with a longer one: the size and modification time tell).
func (a *Archive) fetch(ctx context.Context, files []File) ([]string, error) {
	paths := make([]string, len(files))
	var todo []int
	for i, f := range files {
		paths[i] = a.path(f.Key)
		if !a.remote {
			continue
		}
		if st, err := os.Stat(paths[i]); err == nil && st.Size() == f.Size && st.ModTime().Equal(f.ModTime) {
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return paths, nil
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(8, len(todo)) {
		wg.Go(func() {
			for i := range next {
				if err := a.download(ctx, files[i], paths[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	a.stats.Downloaded += len(todo)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return paths, nil
}

func (a *Archive) download(ctx context.Context, f File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	r, err := a.store.Open(ctx, f.Key)
	if err != nil {
		return fmt.Errorf("download %s: %w", f.Key, err)
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return fmt.Errorf("download %s: %w", f.Key, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chtimes(tmp.Name(), f.ModTime, f.ModTime); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// sqlList renders paths as a DuckDB list literal.
func sqlList(paths []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range paths {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(sqlString(p))
	}
	b.WriteByte(']')
	return b.String()
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// How view reads files into DuckDB.
type viewMode int

const (
	// tableTyped materializes the rows without _raw into a temporary
	// table: the files' footers are read once (union_by_name binding over
	// thousands of files is the expensive part), every later query is in
	// memory.
	tableTyped viewMode = iota
	// tableRaw is tableTyped with _raw (timelines, diffs).
	tableRaw
	// streamView is a view read once by one streaming query (replay), so
	// memory does not hold the topic.
	streamView
)

// view creates (or replaces) name over files: every column of the files
// (union by name: schema versions add columns), filename, and _deleted
// false where a file predates the column.
//
// With cols, a table holds only those columns (DuckDB then reads only their
// column chunks: on thousands of small files the per-chunk cost dominates);
// a requested column no file has is added as NULL of its schema type.
func (a *Archive) view(ctx context.Context, name string, files []File, mode viewMode, cols ...string) error {
	return a.viewWhere(ctx, name, files, mode, "", nil, cols...)
}

// viewWhere is view keeping only the rows that match where (a SQL
// condition on the files' columns, with args): DuckDB evaluates it while
// scanning, so a table of one employee does not hold whole files.
func (a *Archive) viewWhere(ctx context.Context, name string, files []File, mode viewMode, where string, args []any, cols ...string) error {
	a.stats.FilesOpened += len(files)
	if len(files) == 0 {
		return a.emptyView(ctx, name)
	}
	paths, err := a.fetch(ctx, files)
	if err != nil {
		return err
	}
	return a.viewPaths(ctx, name, paths, mode, where, args, cols...)
}

// viewPaths is view over local paths (of this archive or another).
func (a *Archive) viewPaths(ctx context.Context, name string, paths []string, mode viewMode, where string, args []any, want ...string) error {
	src := fmt.Sprintf("read_parquet(%s, union_by_name=true, filename=true)", sqlList(paths))
	a.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+ident(name))  //nolint:errcheck // may be a table
	a.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+ident(name)) //nolint:errcheck // may be a view
	if mode == streamView {
		cols, err := a.columns(ctx, "SELECT * FROM "+src)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		sel := "*, false AS _deleted"
		if slices.Contains(cols, "_deleted") {
			sel = "* REPLACE (coalesce(_deleted, false) AS _deleted)"
		}
		if _, err = a.db.ExecContext(ctx, fmt.Sprintf("CREATE TEMP VIEW %s AS SELECT %s FROM %s", ident(name), sel, src)); err != nil {
			return fmt.Errorf("view %s: %w", name, err)
		}
		return nil
	}
	sel := "* EXCLUDE (_raw)"
	if mode == tableRaw {
		sel = "*"
	}
	if len(want) > 0 {
		quoted := make([]string, len(want))
		for i, c := range want {
			quoted[i] = sqlString(c)
		}
		sel = "COLUMNS(c -> list_contains([" + strings.Join(quoted, ",") + "], c))"
	}
	if where == "" {
		where = "true"
	}
	if _, err := a.db.ExecContext(ctx, fmt.Sprintf("CREATE TEMP TABLE %s AS SELECT %s FROM %s WHERE %s", ident(name), sel, src, where), args...); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	cols, err := a.columns(ctx, "SELECT * FROM "+ident(name))
	if err != nil {
		return err
	}
	for _, c := range want {
		if c == "_deleted" || slices.Contains(cols, c) {
			continue
		}
		if _, err := a.db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", ident(name), ident(c), a.columnType(c))); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
	}
	q := fmt.Sprintf("UPDATE %s SET _deleted = false WHERE _deleted IS NULL", ident(name))
	if !slices.Contains(cols, "_deleted") {
		q = fmt.Sprintf("ALTER TABLE %s ADD COLUMN _deleted BOOLEAN DEFAULT false", ident(name))
	}
	if _, err := a.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// emptyView is a view with the metadata columns and no rows.
func (a *Archive) emptyView(ctx context.Context, name string) error {
	a.db.ExecContext(ctx, "DROP VIEW IF EXISTS "+ident(name))  //nolint:errcheck // may be a table
	a.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+ident(name)) //nolint:errcheck // may be a view
	_, err := a.db.ExecContext(ctx, fmt.Sprintf(`CREATE TEMP VIEW %s AS SELECT
  NULL::VARCHAR AS _raw, NULL::VARCHAR AS _kafka_topic, NULL::INTEGER AS _kafka_partition,
  NULL::BIGINT AS _kafka_offset, NULL::TIMESTAMPTZ AS _kafka_timestamp, NULL::VARCHAR AS _key,
  NULL::VARCHAR AS _record_hash, NULL::VARCHAR AS _event_id, false AS _deleted, NULL::VARCHAR AS filename
  WHERE false`, ident(name)))
	return err
}

// columns returns the column names of query.
func (a *Archive) columns(ctx context.Context, query string) ([]string, error) {
	rows, err := a.db.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE "+query+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (a *Archive) prune(format string, args ...any) {
	a.stats.Pruning = append(a.stats.Pruning, fmt.Sprintf(format, args...))
}

// columnType is the DuckDB type of an archive column in any schema.
func (a *Archive) columnType(col string) string {
	for _, n := range a.reg.Names() {
		for _, c := range a.reg.Topic(n).Columns() {
			if c.Name == col {
				return c.DuckDBType
			}
		}
	}
	return "VARCHAR"
}
