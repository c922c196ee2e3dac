package extract_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/devkafka"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// TestLifecycleEventsOnceAfterAPartialWriteAndARestart: a run whose
// employment records were refused by the broker while the lifecycle events
// derived from them were acknowledged (a partial write, as a broker fault
// or a kill in the middle of a produce leaves it), then a restarted
// process: the records are published, and every lifecycle event is in the
// topic once (the restart must still know the events the failed run
// published, although its recovery moved the other marks on).
func TestLifecycleEventsOnceAfterAPartialWriteAndARestart(t *testing.T) {
	sim, url := testenv.Sim(t, ukgsim.Config{Employees: 300, Seed: 11})
	broker := testenv.Broker(t, devkafka.Config{CompactEvery: 24 * time.Hour})
	brokers := broker.Addrs()
	p := &pipeline{t: t, sim: sim, url: url, brokers: brokers, logs: &bytes.Buffer{},
		kcfg: &kafkax.Config{Brokers: brokers, TopicPrefix: "ukgpro.", ClientID: "test", DialTimeout: 5 * time.Second,
			Partitions: 3, ReplicationFactor: 1, MinCompactionLag: time.Hour, DLQRetention: time.Hour}}
	p.run(p.extractor(nil)) // the baseline
	gt, err := sim.Advance(30)
	if err != nil {
		t.Fatal(err)
	}
	if len(gt.Hired)+len(gt.JobChanged)+len(gt.Terminated) == 0 {
		t.Fatal("the advance changed no employment")
	}

	// The broker refuses every produce to the employees topic.
	emp := p.kcfg.Topic(kafkax.Employees)
	var refuse atomic.Bool
	refuse.Store(true)
	cl := broker.Cluster()
	cl.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cl.KeepControl()
		r := req.(*kmsg.ProduceRequest)
		if !refuse.Load() {
			return nil, nil, false
		}
		for _, tp := range r.Topics {
			if tp.Topic != emp {
				return nil, nil, false
			}
		}
		resp := r.ResponseKind().(*kmsg.ProduceResponse)
		for _, tp := range r.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic = tp.Topic
			for _, pp := range tp.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition = pp.Partition
				rp.ErrorCode = kerr.InvalidRecord.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
	records := len(p.messages(kafkax.Employees))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := p.extractor(nil).Run(ctx); err == nil {
		t.Fatal("the run succeeded although the broker refused its employment records")
	}
	events := len(p.messages(kafkax.Lifecycle))
	if events == 0 {
		t.Fatal("the failed run published no lifecycle event: the test reproduces nothing")
	}
	refuse.Store(false)

	p.run(p.extractor(nil)) // a restarted process
	if n := len(p.messages(kafkax.Employees)); n <= records {
		t.Errorf("the restarted process published no employment record (%d before, %d after)", records, n)
	}
	ids := map[string]int{}
	for _, m := range p.messages(kafkax.Lifecycle) {
		id := string(m.Header("ce_id"))
		if ids[id]++; ids[id] == 2 {
			t.Errorf("lifecycle event %s (%s) published twice", id, m.Key)
		}
	}
	t.Logf("%d lifecycle events after the failed run, %d distinct after the restart", events, len(ids))
}
