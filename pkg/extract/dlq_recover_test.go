package extract_test

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// TestDeadLetterNotRepeatedAfterLostState: a run killed after Kafka
// acknowledged its dead letters but before the state topic recorded them
// leaves the DLQ holding them and the state without them. The restarted
// extractor recovers their entries from the DLQ past its mark, so a full
// run does not dead-letter the same versions a second time.
func TestDeadLetterNotRepeatedAfterLostState(t *testing.T) {
	p := newPipeline(t, ukgsim.Config{Employees: 150, Companies: 2, Seed: 11})
	recs, err := p.sim.Records(ukgsim.EndpointEmployment, nil)
	if err != nil {
		t.Fatal(err)
	}
	rv, o := rejectEmployees(recs, 7, 70, 140)
	bad := rv.keys
	p.run(p.build(o))
	if n := len(p.messages(kafkax.DLQ)); n != len(bad) {
		t.Fatalf("%d dead letters after the first run, want %d", n, len(bad))
	}

	// What a kill between the acknowledgement and the state write leaves:
	// no state entries for the dead letters, and the DLQ mark before them
	// (the keys land where the extractor's own writes do: murmur2).
	w := &kafka.Writer{Transport: testenv.Transport(t), Addr: kafka.TCP(p.brokers...), Topic: p.kcfg.Topic(kafkax.ExtractorState),
		Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	var lost []kafka.Message
	for key := range bad {
		lost = append(lost, kafka.Message{Key: []byte("r|" + kafkax.Employees + "|" + key)}) // tombstone
	}
	lost = append(lost, kafka.Message{Key: []byte("m|" + p.kcfg.Topic(kafkax.DLQ)), Value: []byte(`{"0":0,"1":0,"2":0}`)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, lost...); err != nil {
		t.Fatal(err)
	}

	p.run(p.build(opts{mode: "full", validator: o.validator}))
	if n := len(p.messages(kafkax.DLQ)); n != len(bad) {
		t.Errorf("after the restart and a full run the DLQ holds %d messages, want still %d (dead-lettered again)", n, len(bad))
	}
	for _, m := range p.messages(kafkax.DLQ) {
		if len(m.Header("ukg_record_hash")) == 0 {
			t.Errorf("dead letter %s has no ukg_record_hash header", m.Key)
		}
	}
}
