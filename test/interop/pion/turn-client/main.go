// turn-client: a Pion TURN client (pion/turn v2) for interop tests against a TURN server.
// Usage: turn-client <server host:port> <user> <password> <realm>
// Allocates a UDP relay, relays datagrams to a local UDP peer (which answers), then over the
// channel Pion binds on its own, and prints one JSON line with the results; exit 0 on success.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v2"
)

type result struct {
	Relayed  string `json:"relayed"`
	Mapped   string `json:"mapped"`
	Echoed   int    `json:"echoed"`
	Error    string `json:"error,omitempty"`
}

func fail(r result, err error) {
	r.Error = err.Error()
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
	os.Exit(1)
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: turn-client <server host:port> <user> <password> <realm>")
		os.Exit(2)
	}
	server, user, pass, realm := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	var r result
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fail(r, err)
	}
	defer conn.Close()
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	client, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: server, TURNServerAddr: server, Conn: conn,
		Username: user, Password: pass, Realm: realm, LoggerFactory: lf,
	})
	if err != nil {
		fail(r, err)
	}
	defer client.Close()
	if err := client.Listen(); err != nil {
		fail(r, err)
	}
	mapped, err := client.SendBindingRequest()
	if err != nil {
		fail(r, fmt.Errorf("binding: %w", err))
	}
	r.Mapped = mapped.String()
	relay, err := client.Allocate()
	if err != nil {
		fail(r, fmt.Errorf("allocate: %w", err))
	}
	defer relay.Close()
	r.Relayed = relay.LocalAddr().String()

	// The peer: answers every datagram with "echo:" + payload.
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		fail(r, err)
	}
	defer peer.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := peer.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = peer.WriteTo(append([]byte("echo:"), buf[:n]...), from)
		}
	}()
	buf := make([]byte, 1500)
	// Pion creates the permission on the first write and binds a channel soon after:
	// several rounds cover both Send/Data indications and ChannelData.
	for i := 0; i < 10; i++ {
		msg := fmt.Sprintf("msg-%d", i)
		if _, err := relay.WriteTo([]byte(msg), peer.LocalAddr()); err != nil {
			fail(r, fmt.Errorf("write: %w", err))
		}
		_ = relay.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, from, err := relay.ReadFrom(buf)
		if err != nil {
			fail(r, fmt.Errorf("read %d: %w", i, err))
		}
		if string(buf[:n]) != "echo:"+msg || from.String() != peer.LocalAddr().String() {
			fail(r, fmt.Errorf("unexpected %q from %s", buf[:n], from))
		}
		r.Echoed++
		time.Sleep(50 * time.Millisecond)
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}
