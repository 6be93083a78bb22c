// stun-bench: Pion STUN (github.com/pion/stun) figures for bench/stun.bench.ts,
// printed as one JSON line. No network: messages come from stdin.
//
//	stun-bench -password PWD [-runs 5] [-ms 1000] < messages.hex
//	  stdin: one hex-encoded STUN message per line (ICE Binding requests).
//	  Per message: decode, read USERNAME, PRIORITY, ICE-CONTROLLING and
//	  USE-CANDIDATE, check MESSAGE-INTEGRITY (short-term key) and FINGERPRINT.
//	  {"runs":[msgs/s...],"medianMsgsPerSec":x}
//
//	stun-bench -mode bench-encode -password PWD [-runs 5] [-ms 1000] < messages.hex
//	  per input request: build the Binding success response an ICE agent
//	  sends (same transaction ID, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY,
//	  FINGERPRINT) with stun.Build, as pion/ice does.
//	  {"runs":[msgs/s...],"medianMsgsPerSec":x}
//
//	stun-bench -mode check -password PWD < messages.hex
//	  per input line, one JSON line: what Pion reads from the message and
//	  whether MESSAGE-INTEGRITY (when present) and FINGERPRINT check.
//
//	stun-bench -mode encode -password PWD
//	  Pion-built messages, one JSON line each: {"name":..,"hex":..}.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pion/stun"
)

func main() {
	mode := flag.String("mode", "bench", "bench, check or encode")
	password := flag.String("password", "", "short-term credential password")
	runs := flag.Int("runs", 5, "number of timed runs")
	ms := flag.Int("ms", 1000, "duration of each run in milliseconds")
	flag.Parse()
	if *mode == "encode" {
		encode(*password)
		return
	}

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
	if *mode == "check" {
		for _, b := range msgs {
			check(b, integrity)
		}
		return
	}
	m := new(stun.Message)
	var sink uint64
	var work func(b []byte)
	if *mode == "bench-encode" {
		ids := make([][stun.TransactionIDSize]byte, len(msgs))
		for i, b := range msgs {
			copy(ids[i][:], b[8:20])
		}
		mapped := &stun.XORMappedAddress{IP: net.ParseIP("192.0.2.33").To4(), Port: 40000}
		k := 0
		work = func(b []byte) {
			r, err := stun.Build(stun.NewTransactionIDSetter(ids[k%len(ids)]), stun.BindingSuccess, mapped,
				stun.NewShortTermIntegrity(*password), stun.Fingerprint)
			if err != nil {
				fail(err)
			}
			k++
			sink += uint64(len(r.Raw))
		}
	}
	decodeWork := func(b []byte) {
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
	if work == nil {
		work = decodeWork
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

func check(b []byte, integrity stun.MessageIntegrity) {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	out := map[string]interface{}{}
	if err := m.Decode(); err != nil {
		out["error"] = err.Error()
		emit(out)
		return
	}
	out["type"] = m.Type.String()
	if u, err := m.Get(stun.AttrUsername); err == nil {
		out["username"] = string(u)
	}
	if p, err := m.Get(stun.AttrPriority); err == nil && len(p) == 4 {
		out["priority"] = binary.BigEndian.Uint32(p)
	}
	if c, err := m.Get(stun.AttrICEControlling); err == nil && len(c) == 8 {
		out["controlling"] = fmt.Sprint(binary.BigEndian.Uint64(c))
	}
	out["useCandidate"] = m.Contains(stun.AttrUseCandidate)
	var xa stun.XORMappedAddress
	if err := xa.GetFrom(m); err == nil {
		out["xorMapped"] = xa.String()
	}
	var ec stun.ErrorCodeAttribute
	if err := ec.GetFrom(m); err == nil {
		out["errorCode"] = int(ec.Code)
		out["reason"] = string(ec.Reason)
	}
	if m.Contains(stun.AttrMessageIntegrity) {
		out["integrity"] = integrity.Check(m) == nil
	}
	out["fingerprint"] = stun.Fingerprint.Check(m) == nil
	emit(out)
}

func encode(password string) {
	integrity := stun.NewShortTermIntegrity(password)
	tid := func(n byte) stun.Setter {
		var id [stun.TransactionIDSize]byte
		for i := range id {
			id[i] = n + byte(i)
		}
		return stun.NewTransactionIDSetter(id)
	}
	prio := make([]byte, 4)
	binary.BigEndian.PutUint32(prio, 1853817087)
	tie := make([]byte, 8)
	binary.BigEndian.PutUint64(tie, 0x0123456789abcdef)
	msgs := []struct {
		name    string
		setters []stun.Setter
	}{
		{"binding-request", []stun.Setter{tid(1), stun.BindingRequest, stun.NewUsername("remote:local"),
			stun.RawAttribute{Type: stun.AttrPriority, Value: prio},
			stun.RawAttribute{Type: stun.AttrICEControlling, Value: tie},
			stun.RawAttribute{Type: stun.AttrUseCandidate},
			integrity, stun.Fingerprint}},
		{"success-v4", []stun.Setter{tid(2), stun.BindingSuccess,
			&stun.XORMappedAddress{IP: net.ParseIP("192.0.2.33").To4(), Port: 40000}, integrity, stun.Fingerprint}},
		{"success-v6", []stun.Setter{tid(3), stun.BindingSuccess,
			&stun.XORMappedAddress{IP: net.ParseIP("2001:db8::42"), Port: 40001}, integrity, stun.Fingerprint}},
		{"error-487", []stun.Setter{tid(4), stun.NewType(stun.MethodBinding, stun.ClassErrorResponse),
			stun.ErrorCodeAttribute{Code: 487, Reason: []byte("Role Conflict")}, integrity, stun.Fingerprint}},
	}
	for _, x := range msgs {
		m, err := stun.Build(x.setters...)
		if err != nil {
			fail(err)
		}
		emit(map[string]interface{}{"name": x.name, "hex": hex.EncodeToString(m.Raw)})
	}
}

func emit(v map[string]interface{}) {
	out, _ := json.Marshal(v)
	fmt.Println(string(out))
}
