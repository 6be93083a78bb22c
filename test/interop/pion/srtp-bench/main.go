// Command srtp-bench measures Pion srtp (v2) protect + unprotect of RTP
// packets with a 1200-byte payload on one goroutine and prints one JSON line:
// {"profile":1,"pktsPerSec":[run1, ...],"pktsPerCpuSec":[run1, ...]} where the
// second list divides by the process's CPU time (user + system, getrusage),
// which a loaded machine distorts less than wall time.
// Flags: -profile (1 = AES_CM_128_HMAC_SHA1_80, 7 = AEAD_AES_128_GCM),
// -ms (duration of each run), -runs.
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

	"github.com/pion/srtp/v2"
)

func main() {
	profile := flag.Int("profile", 1, "SRTP protection profile")
	ms := flag.Int("ms", 500, "milliseconds per run")
	runs := flag.Int("runs", 5, "runs")
	flag.Parse()
	runtime.GOMAXPROCS(1)

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
	for i := 0; i < 2000; i++ {
		step()
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	results := make([]float64, 0, *runs)
	cpuResults := make([]float64, 0, *runs)
	for r := 0; r < *runs; r++ {
		n := 0
		cpuStart := cpu()
		start := time.Now()
		deadline := start.Add(time.Duration(*ms) * time.Millisecond)
		for time.Now().Before(deadline) {
			for i := 0; i < 256; i++ {
				step()
			}
			n += 256
		}
		results = append(results, float64(n)/time.Since(start).Seconds())
		cpuResults = append(cpuResults, float64(n)/(cpu()-cpuStart).Seconds())
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"profile": *profile, "pktsPerSec": results, "pktsPerCpuSec": cpuResults})
}
