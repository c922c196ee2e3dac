package load

import (
	"context"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
)

// Segments (decision 0142). A partition appends its rows to an Arrow
// batch (its share of LOADER_BUFFER_BYTES); a full batch is sealed and
// staged, as an Arrow IPC stream, in a local temporary file. Once the
// staged rows make a row group (PARQUET_ROW_GROUP_BYTES / 2 of messages),
// or at a flush, they are written as one segment: a complete Parquet file
// of one row group, appended to the partition's spool file with a writer
// borrowed from the loader's pool. At a flush the segments are joined
// into the file published (archive.JoinParquet: row groups verbatim, one
// footer). parquet-go's per-column state (column buffers, dictionaries,
// page buffers: megabytes per writer of a wide topic) thus exists once per
// pooled writer, not once per partition, and a row group's size does not
// depend on how many partitions share the memory.

// writerPool lends Parquet writers to the partitions of a loader: at most
// cap(tokens) are lent out at once, and as many exist, lent or idle. A
// writer returned keeps its buffers for the next file of the same schema.
type writerPool struct {
	tokens chan struct{} // one per writer lent out
	page   int           // page size of every writer

	mu   sync.Mutex
	lent int
	idle []pooledWriter // the most recently returned last
}

type pooledWriter struct {
	ps *parquet.Schema
	pw *archive.ParquetWriter
}

// poolWriters is the number of writers of a loader: Parquet encoding and
// compression are CPU-bound, so one per core (GOMAXPROCS), and at most 4,
// as many as the pages compressed at once (archive's zstd encoders,
// decision 0135): a writer more would wait for an encoder while holding
// a row group (a node's core count must not size the loader's memory).
func poolWriters() int { return min(max(runtime.GOMAXPROCS(0), 1), 4) }

func newWriterPool(writers, page int) *writerPool {
	return &writerPool{tokens: make(chan struct{}, max(writers, 1)), page: page}
}

// get returns a writer of a file of schema ps (from c.fileSchema) on out,
// waiting while every writer is lent out. Give it back with put, or with
// drop if the file failed.
func (p *writerPool) get(ctx context.Context, c *codec, ps *parquet.Schema, out io.Writer) (*archive.ParquetWriter, error) {
	select {
	case p.tokens <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	p.lent++
	for i := len(p.idle) - 1; i >= 0; i-- {
		if p.idle[i].ps == ps {
			pw := p.idle[i].pw
			p.idle = slices.Delete(p.idle, i, i+1)
			p.mu.Unlock()
			pw.Reset(out)
			return pw, nil
		}
	}
	if p.lent+len(p.idle) > cap(p.tokens) {
		// No idle writer of this schema, and no room for one more: the
		// longest idle one goes.
		p.idle = slices.Delete(p.idle, 0, 1)
	}
	p.mu.Unlock()
	pw, err := c.newFileWriter(out, ps, p.page)
	if err != nil {
		p.drop()
		return nil, err
	}
	return pw, nil
}

// put gives back a writer from get whose file is closed.
func (p *writerPool) put(ps *parquet.Schema, pw *archive.ParquetWriter) {
	p.mu.Lock()
	p.idle = append(p.idle, pooledWriter{ps, pw})
	p.lent--
	p.mu.Unlock()
	<-p.tokens
}

// drop gives back the place of a writer from get that is not reused.
func (p *writerPool) drop() {
	p.mu.Lock()
	p.lent--
	p.mu.Unlock()
	<-p.tokens
}
