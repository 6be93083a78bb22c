// Command srtp-bench measures Pion srtp (v2) protect + unprotect of RTP
// packets with a 1200-byte payload on one goroutine and prints one JSON line:
// {"profile":1,"pktsPerSec":[run1, ...],"pktsPerCpuSec":[run1, ...]} where the
// second list divides by the process's CPU time (user + system, getrusage),
// which a loaded machine distorts less than wall time.
// Flags: -profile (1 = AES_CM_128_HMAC_SHA1_80, 7 = AEAD_AES_128_GCM),
// -ms (duration of each run), -runs. With -mode rtp-parse it instead measures
// pion/rtp Packet.Unmarshal of a packet with three one-byte header extensions
// (mid, abs-send-time, transport-cc) and a 1000-byte payload, reading the
// fields and the three extensions, as bench/rtp.bench.ts does.
package main

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v2"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs step in batches for ms milliseconds per run and returns the
// rates per wall second and per CPU second.
func measure(step func(), ms, runs int) ([]float64, []float64) {
	for i := 0; i < 2000; i++ {
		step()
	}
	wall := make([]float64, 0, runs)
	cpu := make([]float64, 0, runs)
	for r := 0; r < runs; r++ {
		n := 0
		cpuStart := cpuTime()
		start := time.Now()
		deadline := start.Add(time.Duration(ms) * time.Millisecond)
		for time.Now().Before(deadline) {
			for i := 0; i < 256; i++ {
				step()
			}
			n += 256
		}
		wall = append(wall, float64(n)/time.Since(start).Seconds())
		cpu = append(cpu, float64(n)/(cpuTime()-cpuStart).Seconds())
	}
	return wall, cpu
}

func rtpParse(ms, runs int) {
	pkt := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1, Timestamp: 3000, SSRC: 0x1234}, Payload: make([]byte, 1000)}
	_ = pkt.Header.SetExtension(1, []byte("0"))
	_ = pkt.Header.SetExtension(2, []byte{1, 2, 3})
	_ = pkt.Header.SetExtension(3, []byte{0, 7})
	buf, err := pkt.Marshal()
	if err != nil {
		panic(err)
	}
	var p rtp.Packet
	sink := 0
	wall, cpu := measure(func() {
		if err := p.Unmarshal(buf); err != nil {
			panic(err)
		}
		sink += int(p.SequenceNumber) + int(p.Timestamp) + int(p.SSRC) + int(p.PayloadType) + len(p.Payload)
		sink += len(p.GetExtension(1)) + len(p.GetExtension(2)) + len(p.GetExtension(3))
	}, ms, runs)
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"mode": "rtp-parse", "pktsPerSec": wall, "pktsPerCpuSec": cpu, "sink": sink})
}

func main() {
	profile := flag.Int("profile", 1, "SRTP protection profile")
	ms := flag.Int("ms", 500, "milliseconds per run")
	runs := flag.Int("runs", 5, "runs")
	mode := flag.String("mode", "srtp", "srtp or rtp-parse")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	if *mode == "rtp-parse" {
		rtpParse(*ms, *runs)
		return
	}

	keyLen, saltLen := 16, 14
	if *profile == 7 {
		saltLen = 12
	}
	key := make([]byte, keyLen)
	salt := make([]byte, saltLen)
	_, _ = rand.Read(key)
	_, _ = rand.Read(salt)
	p := srtp.ProtectionProfile(*profile)
	tx, err := srtp.CreateContext(key, salt, p)
	if err != nil {
		panic(err)
	}
	rx, err := srtp.CreateContext(key, salt, p, srtp.SRTPReplayProtection(64))
	if err != nil {
		panic(err)
	}
	pkt := make([]byte, 12+1200)
	_, _ = rand.Read(pkt)
	pkt[0] = 0x80
	pkt[1] = 96
	binary.BigEndian.PutUint32(pkt[8:], 0x1234)
	enc := make([]byte, 0, 1500)
	dec := make([]byte, 0, 1500)
	seq := uint16(0)
	step := func() {
		seq++
		binary.BigEndian.PutUint16(pkt[2:], seq)
		e, err := tx.EncryptRTP(enc, pkt, nil)
		if err != nil {
			panic(err)
		}
		if _, err := rx.DecryptRTP(dec, e, nil); err != nil {
			panic(err)
		}
	}
	results, cpuResults := measure(step, *ms, *runs)
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"profile": *profile, "pktsPerSec": results, "pktsPerCpuSec": cpuResults})
}
