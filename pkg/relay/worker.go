package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/events"
)

// worker relays one partition for one generation. Its loop owns all the
// partition's bookkeeping; deliveries run in their own goroutines and
// report back. Per key (employee) one event is in delivery at a time, the
// next starting only when the previous one is delivered or dead-lettered,
// so a later event never overtakes an earlier one, while other employees'
// events go on. The committed offset is the first event not yet finished.
type worker struct {
	r         *Relay
	gen       *kafka.Generation
	client    *kafka.Client
	partition int
	committed int64 // the assignment's offset: committed, or kafka-go's start sentinel
	log       *slog.Logger
}

// item is one fetched event.
type item struct {
	msg  kafka.Message
	key  string
	done bool
}

type result struct {
	it  *item
	err error // errStopped: not finished
}

func (w *worker) run(ctx, gctx context.Context) {
	r := w.r
	startAt, err := w.startOffset(gctx)
	if err != nil {
		w.log.Error("find the start offset", "err", err)
		w.pause(gctx)
		return
	}
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers: r.kc.BrokerList(), Dialer: mustDialer(r), Topic: r.topic, Partition: w.partition,
		MinBytes: 1, MaxBytes: 1 << 20, MaxWait: 250 * time.Millisecond, OffsetOutOfRangeError: true,
		ErrorLogger: kafka.LoggerFunc(func(f string, a ...any) { w.log.Debug("kafka-go reader: " + fmt.Sprintf(f, a...)) }),
	})
	defer reader.Close()
	if err := reader.SetOffset(startAt); err != nil {
		w.log.Error("seek", "offset", startAt, "err", err)
		return
	}

	// stop ends fetching and new calls; calls in flight get the shutdown
	// grace before callCtx cancels them.
	stop := make(chan struct{})
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }) }
	finished := make(chan struct{})
	defer close(finished)
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	go func() {
		select {
		case <-ctx.Done():
		case <-gctx.Done():
		case <-stop:
		case <-finished:
			return
		}
		halt()
		t := time.NewTimer(r.cfg.ShutdownGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancelCalls()
		case <-finished:
		}
	}()

	fctx, stopFetch := context.WithCancel(gctx)
	msgs := make(chan kafka.Message)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for {
			m, err := reader.FetchMessage(fctx)
			if errors.Is(err, kafka.OffsetOutOfRange) && fctx.Err() == nil {
				// Retention removed events this group never delivered:
				// nothing can bring them back; go on from the log start.
				w.log.Error("the committed offset is past retention; events were lost before delivery, resuming at the log start")
				if err = reader.SetOffset(kafka.FirstOffset); err == nil {
					continue
				}
			}
			if err != nil {
				if fctx.Err() == nil {
					w.log.Warn("fetch", "err", err)
				}
				return
			}
			select {
			case msgs <- m:
			case <-fctx.Done():
				return
			}
		}
	}()
	fetchDone := pumped
	defer func() { stopFetch(); <-fetchDone }()

	var (
		pending  []*item // fetched, in offset order, up to the first unfinished
		lanes    = map[string][]*item{}
		results  = make(chan result)
		active   int
		next     = int64(-1) // offset after the last fetched
		last     = w.committed
		hwm      int64
		stopping bool
	)
	lag := r.m.lag.WithLabelValues(r.topic, strconv.Itoa(w.partition))
	launch := func(it *item) {
		active++
		go func() {
			results <- result{it, w.process(stop, callCtx, it)}
		}()
	}
	commitPoint := func() int64 {
		if len(pending) > 0 {
			return pending[0].msg.Offset
		}
		return next
	}
	commit := func() {
		at := commitPoint()
		if at < 0 || at == last {
			return
		}
		if err := w.commit(at); err != nil {
			w.log.Warn("commit", "offset", at, "err", err)
			return
		}
		last = at
		lag.Set(float64(max(hwm-at, 0)))
	}
	stopC := (<-chan struct{})(stop)
	tick := time.NewTicker(r.cfg.CommitInterval)
	defer tick.Stop()
	for {
		if stopping && active == 0 {
			commit()
			r.m.pending.Sub(float64(len(pending)))
			return
		}
		var in <-chan kafka.Message
		if !stopping && len(pending) < r.cfg.MaxPending {
			in = msgs
		}
		select {
		case m := <-in:
			it := &item{msg: m, key: string(m.Key)}
			pending = append(pending, it)
			r.m.pending.Inc()
			next, hwm = m.Offset+1, m.HighWaterMark
			lanes[it.key] = append(lanes[it.key], it)
			if len(lanes[it.key]) == 1 {
				launch(it)
			}
		case res := <-results:
			active--
			if res.err != nil {
				continue // stopping: the event stays uncommitted
			}
			res.it.done = true
			lane := lanes[res.it.key][1:]
			if len(lane) == 0 {
				delete(lanes, res.it.key)
			} else {
				lanes[res.it.key] = lane
				if !stopping {
					launch(lane[0])
				}
			}
			n := 0
			for n < len(pending) && pending[n].done {
				n++
			}
			pending = pending[n:]
			r.m.pending.Sub(float64(n))
		case <-tick.C:
			commit()
		case <-stopC:
			stopping, stopC = true, nil
			stopFetch()
		case <-pumped:
			// The reader gave up (it logged why): finish what is in flight
			// and leave the generation, so the group tries again.
			pumped = nil
			halt()
		}
	}
}

// process delivers one event to every route it matches, dead-lettering a
// rejected one. It returns errStopped when stop came first.
func (w *worker) process(stop <-chan struct{}, callCtx context.Context, it *item) error {
	r := w.r
	ev, err := r.dec.Decode(it.msg)
	if err != nil {
		reason := "undecodable"
		if errors.Is(err, events.ErrUnknownSchema) {
			reason = "unknown_schema"
		}
		w.log.Error("event cannot be decoded; dead-lettered", "offset", it.msg.Offset, "err", err)
		if err := w.deadLetter(stop, it.msg, "", outcome{reason: reason, detail: err.Error()}); err != nil {
			return err
		}
		r.m.events.WithLabelValues("unknown", "dead_lettered").Inc()
		return nil
	}
	typ := ev.Type
	if lc := ev.Lifecycle(); lc != nil && typ == "" {
		typ = typePrefix + lc.Event
	}
	var matched []*Route
	for i := range r.routes {
		if !ev.Deleted && r.routes[i].Matches(typ, ev.CompanyID) {
			matched = append(matched, &r.routes[i])
		}
	}
	short := typ[min(len(typ), len(typePrefix)):]
	if len(matched) == 0 {
		r.m.events.WithLabelValues(short, "unrouted").Inc()
		return nil
	}
	outcomeLabel := "delivered"
	for _, rt := range matched {
		out, err := r.deliver(stop, callCtx, rt, ev)
		if err != nil {
			return err
		}
		if out.ok {
			continue
		}
		w.log.Warn("event rejected; dead-lettered", "route", rt.Name, "ce_id", ev.ID, "key", ev.Key, "type", short,
			"status", out.status, "reason", out.reason, "attempts", out.attempts)
		if err := w.deadLetter(stop, it.msg, rt.Name, out); err != nil {
			return err
		}
		outcomeLabel = "dead_lettered"
	}
	r.m.events.WithLabelValues(short, outcomeLabel).Inc()
	return nil
}

// startOffset resolves the assignment's offset: the committed one, or,
// for a partition the group never committed, RELAY_START_FROM.
func (w *worker) startOffset(ctx context.Context) (int64, error) {
	r := w.r
	if w.committed >= 0 || r.start.at.IsZero() {
		return w.committed, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CommitTimeout)
	defer cancel()
	res, err := w.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		r.topic: {kafka.TimeOffsetOf(w.partition, r.start.at)}}})
	if err != nil {
		return 0, fmt.Errorf("offset for %s: %w", r.start.at.Format(time.RFC3339), err)
	}
	for _, po := range res.Topics[r.topic] {
		if po.Error != nil {
			return 0, fmt.Errorf("offset for %s: %w", r.start.at.Format(time.RFC3339), po.Error)
		}
		off := int64(-1)
		for o := range po.Offsets {
			if o >= 0 && (off < 0 || o < off) {
				off = o
			}
		}
		if off >= 0 {
			return off, nil
		}
	}
	return kafka.LastOffset, nil // nothing at or after that time yet
}

// commit commits the partition's offset within the generation; kafka-go
// bounds the request by RELAY_COMMIT_TIMEOUT.
func (w *worker) commit(offset int64) error {
	w.r.commitMu.Lock()
	defer w.r.commitMu.Unlock()
	err := w.gen.CommitOffsets(map[string]map[int]int64{w.r.topic: {w.partition: offset}})
	if err != nil {
		w.r.m.commits.WithLabelValues("error").Inc()
		return err
	}
	w.r.m.commits.WithLabelValues("ok").Inc()
	return nil
}

// pause waits before the worker gives up its generation (the group then
// rebalances and the partition is tried again).
func (w *worker) pause(gctx context.Context) {
	t := time.NewTimer(w.r.cfg.JoinGroupBackoff)
	defer t.Stop()
	select {
	case <-gctx.Done():
	case <-t.C:
	}
}

func mustDialer(r *Relay) *kafka.Dialer {
	d, err := r.kc.Dialer()
	if err != nil {
		panic(err) // the same settings built the group's dialer already
	}
	return d
}
