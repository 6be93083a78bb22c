// ice-peer: a Pion ICE agent (github.com/pion/ice/v2) kept on loopback,
// signalled over stdin/stdout as JSON lines, for interop tests.
//
//	ice-peer -role controlling|controlled [-count 20] [-timeout 30s] [-interval 5ms]
//
// Out (stdout), one JSON object per line:
//
//	{"type":"credentials","ufrag":"..","pwd":".."}
//	{"type":"candidate","candidate":"candidate:..."}     (SDP attribute value)
//	{"type":"end-of-candidates"}
//	{"type":"state","state":"checking"}
//	{"type":"connected","local":"127.0.0.1:p","remote":"127.0.0.1:q","localType":"host","remoteType":"host"}
//	{"type":"selected",...same fields as connected}        (every selected-pair change)
//	{"type":"stats","sent":n,"received":n,"echoed":n,"echoesReceived":n}
//	{"type":"error","message":".."}
//	{"type":"closed"}
//
// In (stdin): {"type":"credentials",..}, {"type":"candidate","candidate":".."},
// {"type":"end-of-candidates"}, {"type":"send"} (start sending, see below),
// {"type":"stats"} (asks for a stats line), {"type":"restart"} (ICE restart:
// new local credentials and candidates are printed again; later
// {"type":"credentials"} lines set the remote ones), {"type":"close"}. EOF on
// stdin closes the agent and exits.
//
// Data: once connected and told {"type":"send"} (so the other side has its
// receive handler in place), it sends `count` datagrams "pion:<i>"; it answers
// every datagram that starts with neither "pion:" nor "echo:" with
// "echo:"+datagram. Datagrams "echo:pion:<i>" count as echoesReceived.
// It prints a stats line once it has received `count` peer datagrams and
// `count` echoes, and again on exit.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pion/ice/v2"
)

type message struct {
	Type      string `json:"type"`
	Ufrag     string `json:"ufrag,omitempty"`
	Pwd       string `json:"pwd,omitempty"`
	Candidate string `json:"candidate,omitempty"`
	State     string `json:"state,omitempty"`
	Message   string `json:"message,omitempty"`
	Local     string `json:"local,omitempty"`
	Remote    string `json:"remote,omitempty"`
	LocalType string `json:"localType,omitempty"`
	RemoteTyp string `json:"remoteType,omitempty"`
	// stats
	Sent           *int `json:"sent,omitempty"`
	Received       *int `json:"received,omitempty"`
	Echoed         *int `json:"echoed,omitempty"`
	EchoesReceived *int `json:"echoesReceived,omitempty"`
}

var outMu sync.Mutex

func emit(m message) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	outMu.Lock()
	defer outMu.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func fail(format string, args ...interface{}) {
	emit(message{Type: "error", Message: fmt.Sprintf(format, args...)})
}

type counters struct {
	mu             sync.Mutex
	sent           int
	received       int
	echoed         int
	echoesReceived int
	reported       bool
}

func (c *counters) line() message {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, r, e, er := c.sent, c.received, c.echoed, c.echoesReceived
	return message{Type: "stats", Sent: &s, Received: &r, Echoed: &e, EchoesReceived: &er}
}

func main() {
	role := flag.String("role", "controlled", "controlling or controlled")
	count := flag.Int("count", 20, "datagrams to send after connecting")
	timeout := flag.Duration("timeout", 30*time.Second, "exit after this long in any case")
	interval := flag.Duration("interval", 5*time.Millisecond, "pause between sent datagrams")
	flag.Parse()
	if *role != "controlling" && *role != "controlled" {
		fail("bad -role %q", *role)
		os.Exit(2)
	}

	// Loopback only: UDP4 on "lo", loopback IPs, loopback candidates included,
	// no STUN/TURN URLs, mDNS off.
	agent, err := ice.NewAgent(&ice.AgentConfig{
		NetworkTypes:     []ice.NetworkType{ice.NetworkTypeUDP4},
		CandidateTypes:   []ice.CandidateType{ice.CandidateTypeHost},
		InterfaceFilter:  func(name string) bool { return name == "lo" },
		IPFilter:         func(ip net.IP) bool { return ip.IsLoopback() },
		IncludeLoopback:  true,
		MulticastDNSMode: ice.MulticastDNSModeDisabled,
	})
	if err != nil {
		fail("NewAgent: %v", err)
		os.Exit(1)
	}

	done := make(chan struct{})
	var doneOnce sync.Once
	finish := func() { doneOnce.Do(func() { close(done) }) }

	if err := agent.OnCandidate(func(c ice.Candidate) {
		if c == nil {
			emit(message{Type: "end-of-candidates"})
			return
		}
		emit(message{Type: "candidate", Candidate: "candidate:" + c.Marshal()})
	}); err != nil {
		fail("OnCandidate: %v", err)
	}
	if err := agent.OnSelectedCandidatePairChange(func(local, remote ice.Candidate) {
		emit(pairMessage("selected", local, remote))
	}); err != nil {
		fail("OnSelectedCandidatePairChange: %v", err)
	}
	if err := agent.OnConnectionStateChange(func(s ice.ConnectionState) {
		emit(message{Type: "state", State: strings.ToLower(s.String())})
		if s == ice.ConnectionStateFailed || s == ice.ConnectionStateClosed {
			finish()
		}
	}); err != nil {
		fail("OnConnectionStateChange: %v", err)
	}

	ufrag, pwd, err := agent.GetLocalUserCredentials()
	if err != nil {
		fail("GetLocalUserCredentials: %v", err)
		os.Exit(1)
	}
	emit(message{Type: "credentials", Ufrag: ufrag, Pwd: pwd})
	if err := agent.GatherCandidates(); err != nil {
		fail("GatherCandidates: %v", err)
	}

	remoteCreds := make(chan [2]string, 1)
	startSending := make(chan struct{}, 1)
	stats := &counters{}
	go readSignalling(agent, remoteCreds, startSending, stats, finish)

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
		}
		finish()
	}()

	go func() {
		var creds [2]string
		select {
		case creds = <-remoteCreds:
		case <-done:
			return
		}
		var conn *ice.Conn
		var err error
		if *role == "controlling" {
			conn, err = agent.Dial(ctx, creds[0], creds[1])
		} else {
			conn, err = agent.Accept(ctx, creds[0], creds[1])
		}
		if err != nil {
			fail("connect: %v", err)
			finish()
			return
		}
		pair, err := agent.GetSelectedCandidatePair()
		if err != nil || pair == nil {
			fail("GetSelectedCandidatePair: %v", err)
			finish()
			return
		}
		emit(pairMessage("connected", pair.Local, pair.Remote))
		go exchange(conn, stats, *count, *interval, startSending, done)
	}()

	<-done
	emit(stats.line())
	if err := agent.Close(); err != nil {
		fail("Close: %v", err)
	}
	emit(message{Type: "closed"})
}

func pairMessage(kind string, local, remote ice.Candidate) message {
	return message{
		Type:      kind,
		Local:     net.JoinHostPort(local.Address(), fmt.Sprint(local.Port())),
		Remote:    net.JoinHostPort(remote.Address(), fmt.Sprint(remote.Port())),
		LocalType: local.Type().String(),
		RemoteTyp: remote.Type().String(),
	}
}

// readSignalling applies remote credentials and candidates from stdin.
func readSignalling(agent *ice.Agent, remoteCreds chan<- [2]string, startSending chan<- struct{}, stats *counters, finish func()) {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	sentCreds := false
	for sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			fail("bad input line: %v", err)
			continue
		}
		switch m.Type {
		case "credentials":
			if !sentCreds {
				sentCreds = true
				remoteCreds <- [2]string{m.Ufrag, m.Pwd}
			} else if err := agent.SetRemoteCredentials(m.Ufrag, m.Pwd); err != nil {
				fail("SetRemoteCredentials: %v", err)
			}
		case "restart":
			if err := agent.Restart("", ""); err != nil {
				fail("Restart: %v", err)
				continue
			}
			ufrag, pwd, err := agent.GetLocalUserCredentials()
			if err != nil {
				fail("GetLocalUserCredentials: %v", err)
				continue
			}
			emit(message{Type: "credentials", Ufrag: ufrag, Pwd: pwd})
			if err := agent.GatherCandidates(); err != nil {
				fail("GatherCandidates: %v", err)
			}
		case "candidate":
			line := strings.TrimPrefix(strings.TrimPrefix(m.Candidate, "a="), "candidate:")
			c, err := ice.UnmarshalCandidate(line)
			if err != nil {
				fail("UnmarshalCandidate %q: %v", m.Candidate, err)
				continue
			}
			if err := agent.AddRemoteCandidate(c); err != nil {
				fail("AddRemoteCandidate: %v", err)
			}
		case "end-of-candidates":
			// ice v2.3.1 has no remote end-of-candidates; nothing to do.
		case "send":
			select {
			case startSending <- struct{}{}:
			default:
			}
		case "stats":
			emit(stats.line())
		case "close":
			finish()
			return
		default:
			fail("unknown input type %q", m.Type)
		}
	}
	finish()
}

// exchange sends `count` datagrams and echoes the peer's ones.
func exchange(conn *ice.Conn, stats *counters, count int, interval time.Duration, start <-chan struct{}, done <-chan struct{}) {
	go func() {
		select {
		case <-start:
		case <-done:
			return
		}
		for i := 0; i < count; i++ {
			select {
			case <-done:
				return
			default:
			}
			if _, err := conn.Write([]byte(fmt.Sprintf("pion:%d", i))); err != nil {
				fail("write: %v", err)
				return
			}
			stats.mu.Lock()
			stats.sent++
			stats.mu.Unlock()
			time.Sleep(interval)
		}
	}()
	buf := make([]byte, 1500)
	pionPrefix, echoPrefix := []byte("pion:"), []byte("echo:")
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return
		}
		data := buf[:n]
		stats.mu.Lock()
		switch {
		case bytes.HasPrefix(data, echoPrefix):
			if bytes.HasPrefix(data[len(echoPrefix):], pionPrefix) {
				stats.echoesReceived++
			}
		case bytes.HasPrefix(data, pionPrefix):
			// our own prefix coming back unechoed: ignore
		default:
			stats.received++
			reply := append(append([]byte{}, echoPrefix...), data...)
			if _, err := conn.Write(reply); err == nil {
				stats.echoed++
			}
		}
		report := !stats.reported && stats.received >= count && stats.echoesReceived >= count
		if report {
			stats.reported = true
		}
		stats.mu.Unlock()
		if report {
			emit(stats.line())
		}
	}
}
