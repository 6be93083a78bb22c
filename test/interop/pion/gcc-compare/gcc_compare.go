// gcc-compare runs Pion's gcc.SendSideBWE (Debian's pion/interceptor, with
// its clock replaced by a virtual one: see build.sh) on the same
// deterministic bottleneck as test/support/gcc-sim.ts and prints the target
// bitrate every 100 ms as JSON lines {"t":ms,"target":bps}.
//
// Usage: gcc-compare -steps 0:2000000,30000:500000,50000:3000000 -duration 90000 -initial 1000000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

const twccURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

type step struct{ at, bps int }

type inFlight struct {
	at  int
	seq uint16
}

type feedback struct {
	at   int
	pkts []rtcp.Packet
}

func main() {
	stepsArg := flag.String("steps", "0:2000000,30000:500000,50000:3000000", "atMs:bps,...")
	duration := flag.Int("duration", 90000, "virtual ms")
	initial := flag.Int("initial", 1000000, "initial bitrate")
	oneWay := flag.Int("one-way", 20, "ms each way")
	maxQueue := flag.Int("max-queue", 300, "drop-tail queue ms")
	flag.Parse()
	var steps []step
	for _, s := range strings.Split(*stepsArg, ",") {
		p := strings.SplitN(s, ":", 2)
		at, _ := strconv.Atoi(p[0])
		bps, _ := strconv.Atoi(p[1])
		steps = append(steps, step{at, bps})
	}
	capacityAt := func(t float64) float64 {
		c := steps[0].bps
		for _, s := range steps {
			if t >= float64(s.at) {
				c = s.bps
			}
		}
		return float64(c)
	}

	base := time.Unix(1_700_000_000, 0)
	var nowMs int64
	gcc.SetNowFunc(func() time.Time { return base.Add(time.Duration(gcc.LoadNow(&nowMs)) * time.Millisecond) })

	bwe, err := gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(*initial), gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	const extID = 3
	var toReceiver []inFlight
	var toSender []feedback
	linkFree := 0.0
	send := func(seq uint16, size int, t int) {
		start := float64(t)
		if linkFree > start {
			start = linkFree
		}
		if start-float64(t) > float64(*maxQueue) {
			return
		}
		linkFree = start + float64(size*8*1000)/capacityAt(start)
		toReceiver = append(toReceiver, inFlight{int(linkFree) + *oneWay, seq})
	}
	writer := bwe.AddStream(&interceptor.StreamInfo{SSRC: 1, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: twccURI, ID: extID}}},
		interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
			ext := h.GetExtension(extID)
			seq := uint16(ext[0])<<8 | uint16(ext[1])
			send(seq, len(payload)+12+8, int(gcc.LoadNow(&nowMs)))
			return len(payload), nil
		}))
	rec := twcc.NewRecorder(2)
	enc := json.NewEncoder(os.Stdout)
	var seq uint16
	nextFrame := 0.0
	nextFeedback := 100
	const frameRate = 30
	const mtu = 1200
	for t := 0; t <= *duration; t++ {
		gcc.StoreNow(&nowMs, int64(t))
		if float64(t) >= nextFrame {
			nextFrame += 1000.0 / frameRate
			bytes := bwe.GetTargetBitrate() / 8 / frameRate
			if bytes < mtu {
				bytes = mtu
			}
			for bytes > 0 {
				size := mtu
				if bytes < size {
					size = bytes
				}
				if size < 100 {
					size = 100
				}
				bytes -= size
				h := &rtp.Header{Version: 2, SSRC: 1, PayloadType: 96, SequenceNumber: seq}
				_ = h.SetExtension(extID, []byte{byte(seq >> 8), byte(seq)})
				seq++
				// The header and extension count as 20 bytes, as in the TypeScript run (1200 bytes on the wire).
				_, _ = writer.Write(h, make([]byte, size-20), interceptor.Attributes{})
			}
		}
		for len(toReceiver) > 0 && toReceiver[0].at <= t {
			rec.Record(1, toReceiver[0].seq, int64(t)*1000)
			toReceiver = toReceiver[1:]
		}
		if t >= nextFeedback {
			nextFeedback += 100
			if pkts := rec.BuildFeedbackPacket(); len(pkts) > 0 {
				toSender = append(toSender, feedback{t + *oneWay, pkts})
			}
		}
		for len(toSender) > 0 && toSender[0].at <= t {
			_ = bwe.WriteRTCP(toSender[0].pkts, nil)
			toSender = toSender[1:]
			// Pion's delay controller runs on goroutines: let them finish at this virtual time.
			for i := 0; i < 20; i++ {
				runtime.Gosched()
			}
			time.Sleep(200 * time.Microsecond)
		}
		if t%100 == 0 {
			_ = enc.Encode(map[string]int{"t": t, "target": bwe.GetTargetBitrate()})
		}
	}
	_ = bwe.Close()
}
