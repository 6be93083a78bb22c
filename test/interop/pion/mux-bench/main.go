// mux-bench: Pion's single-port ICE mux (github.com/pion/ice/v2 UDPMuxDefault)
// for bench/mux.bench.ts, on 127.0.0.1 only.
//
// Protocol on stdin/stdout:
//
//	stdin line 1: JSON array of the sender's ports (one per transport)
//	stdout:       {"port":P}   once every muxed conn has claimed its sender's address
//	stdin line 2: "go"         the sender is blasting at P
//	stdout:       {"rate":x,"cpuUsPerPkt":y}   median of -runs windows after -warmup
//
// Each transport is a muxed conn (GetConn with its own ufrag) that writes one
// datagram to its sender's port, which registers that address with the mux
// (as an agent's first check does), then one goroutine per conn reads and counts.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/logging"
)

func cpuUs() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func fail(err error) {
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	fmt.Println(string(b))
	os.Exit(1)
}

func main() {
	warmup := flag.Duration("warmup", 500*time.Millisecond, "time before the first window")
	window := flag.Duration("window", 2*time.Second, "window length")
	runs := flag.Int("runs", 3, "windows")
	flag.Parse()
	time.AfterFunc(120*time.Second, func() { os.Exit(2) })

	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadString('\n')
	if err != nil {
		fail(err)
	}
	var ports []int
	if err := json.Unmarshal([]byte(line), &ports); err != nil {
		fail(err)
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		fail(err)
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn, Logger: lf.NewLogger("mux")})
	defer mux.Close()

	var delivered int64
	ping := []byte{0x80}
	for i, p := range ports {
		c, err := mux.GetConn(fmt.Sprintf("ufrag%05d", i), conn.LocalAddr())
		if err != nil {
			fail(err)
		}
		if _, err := c.WriteTo(ping, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p}); err != nil {
			fail(err)
		}
		go func(c net.PacketConn) {
			buf := make([]byte, 1500)
			for {
				if _, _, err := c.ReadFrom(buf); err != nil {
					return
				}
				atomic.AddInt64(&delivered, 1)
			}
		}(c)
	}
	b, _ := json.Marshal(map[string]int{"port": conn.LocalAddr().(*net.UDPAddr).Port})
	fmt.Println(string(b))

	if _, err := in.ReadString('\n'); err != nil {
		fail(err)
	}
	time.Sleep(*warmup)
	var rates, cpus []float64
	for r := 0; r < *runs; r++ {
		n0, u0, t0 := atomic.LoadInt64(&delivered), cpuUs(), time.Now()
		time.Sleep(*window)
		n := float64(atomic.LoadInt64(&delivered) - n0)
		u := cpuUs() - u0
		rates = append(rates, n/time.Since(t0).Seconds())
		if n > 0 {
			cpus = append(cpus, u/n)
		} else {
			cpus = append(cpus, 0)
		}
	}
	out, _ := json.Marshal(map[string]float64{"rate": median(rates), "cpuUsPerPkt": median(cpus)})
	fmt.Println(string(out))
}
