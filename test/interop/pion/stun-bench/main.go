// stun-bench: Pion STUN (github.com/pion/stun) figures for bench/stun.bench.ts,
// printed as one JSON line. No network: messages come from stdin.
//
//	stun-bench -password PWD [-runs 5] [-ms 1000] < messages.hex
//	  stdin: one hex-encoded STUN message per line (ICE Binding requests).
//	  Per message: decode, read USERNAME, PRIORITY, ICE-CONTROLLING and
//	  USE-CANDIDATE, check MESSAGE-INTEGRITY (short-term key) and FINGERPRINT.
//	  {"runs":[msgs/s...],"medianMsgsPerSec":x}
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pion/stun"
)

func main() {
	password := flag.String("password", "", "short-term credential password")
	runs := flag.Int("runs", 5, "number of timed runs")
	ms := flag.Int("ms", 1000, "duration of each run in milliseconds")
	flag.Parse()

	var msgs [][]byte
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			fail(err)
		}
		msgs = append(msgs, b)
	}
	if len(msgs) == 0 {
		fail(fmt.Errorf("no messages on stdin"))
	}
	integrity := stun.NewShortTermIntegrity(*password)
	m := new(stun.Message)
	var sink uint64
	work := func(b []byte) {
		m.Raw = b
		if err := m.Decode(); err != nil {
			fail(err)
		}
		u, err := m.Get(stun.AttrUsername)
		if err != nil {
			fail(err)
		}
		p, err := m.Get(stun.AttrPriority)
		if err != nil || len(p) != 4 {
			fail(fmt.Errorf("priority: %v", err))
		}
		c, err := m.Get(stun.AttrICEControlling)
		if err != nil || len(c) != 8 {
			fail(fmt.Errorf("controlling: %v", err))
		}
		if !m.Contains(stun.AttrUseCandidate) {
			fail(fmt.Errorf("no USE-CANDIDATE"))
		}
		if err := integrity.Check(m); err != nil {
			fail(err)
		}
		if err := stun.Fingerprint.Check(m); err != nil {
			fail(err)
		}
		sink += uint64(len(string(u))) + uint64(binary.BigEndian.Uint32(p)) + binary.BigEndian.Uint64(c)
	}
	// Warm-up.
	for i := 0; i < 20000; i++ {
		work(msgs[i%len(msgs)])
	}
	results := make([]float64, 0, *runs)
	for r := 0; r < *runs; r++ {
		n := 0
		start := time.Now()
		deadline := start.Add(time.Duration(*ms) * time.Millisecond)
		for {
			for i := 0; i < 1000; i++ {
				work(msgs[n%len(msgs)])
				n++
			}
			if time.Now().After(deadline) {
				break
			}
		}
		results = append(results, float64(n)/time.Since(start).Seconds())
	}
	sorted := append([]float64(nil), results...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	out, _ := json.Marshal(map[string]interface{}{"runs": results, "medianMsgsPerSec": med, "sink": sink % 7})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "stun-bench:", err)
	os.Exit(1)
}
