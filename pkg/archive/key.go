package archive

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// FileExt is the extension of every data file.
const FileExt = ".parquet"

// FileKey returns the key of the data file of topic's partition that starts
// at firstOffset and whose first record has timestamp ts:
//
//	<topic>/dt=<YYYY-MM-DD>/<topic>+<partition>+<firstOffset, 20 digits>.parquet
//
// The date is ts in UTC (the Kafka record time, never the wall clock), so a
// rebuild from Kafka gives the same names. Zero-padding makes the lexical
// order of a partition's files their offset order.
func FileKey(topic string, partition int, firstOffset int64, ts time.Time) string {
	return topic + "/dt=" + ts.UTC().Format(time.DateOnly) + "/" + FileName(topic, partition, firstOffset)
}

// FileName is the last segment of [FileKey].
func FileName(topic string, partition int, firstOffset int64) string {
	return fmt.Sprintf("%s+%d+%020d%s", topic, partition, firstOffset, FileExt)
}

// FileRef is a data file key taken apart by [ParseFileKey].
type FileRef struct {
	Topic       string
	Partition   int
	FirstOffset int64
	Date        time.Time // midnight UTC of the dt= directory
}

// ParseFileKey parses a key made by [FileKey], rejecting anything else
// (temporary files, journals, foreign files).
func ParseFileKey(key string) (FileRef, error) {
	bad := func(why string) (FileRef, error) {
		return FileRef{}, fmt.Errorf("parse file key %q: %s", key, why)
	}
	parts := strings.Split(key, "/")
	if len(parts) != 3 {
		return bad("want <topic>/dt=<date>/<file>")
	}
	topic, dt, name := parts[0], parts[1], parts[2]
	day, ok := strings.CutPrefix(dt, "dt=")
	if !ok {
		return bad("second segment is not dt=<date>")
	}
	date, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return bad("bad date " + strconv.Quote(day))
	}
	base, ok := strings.CutSuffix(name, FileExt)
	if !ok {
		return bad("not a " + FileExt + " file")
	}
	// Kafka topic names cannot contain '+', so the last two '+' split it.
	i := strings.LastIndexByte(base, '+')
	if i < 0 {
		return bad("missing +<offset>")
	}
	off, err := strconv.ParseInt(base[i+1:], 10, 64)
	if err != nil || len(base[i+1:]) != 20 || off < 0 {
		return bad("offset is not 20 digits")
	}
	base = base[:i]
	j := strings.LastIndexByte(base, '+')
	if j < 0 {
		return bad("missing +<partition>")
	}
	part, err := strconv.Atoi(base[j+1:])
	if err != nil || part < 0 || strconv.Itoa(part) != base[j+1:] {
		return bad("bad partition")
	}
	if base[:j] != topic {
		return bad("file topic differs from directory topic")
	}
	return FileRef{Topic: topic, Partition: part, FirstOffset: off, Date: date}, nil
}
