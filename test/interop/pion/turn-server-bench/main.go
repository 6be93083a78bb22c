// turn-server-bench: a pion/turn v2 TURN server on 127.0.0.1 for the TURN benchmarks.
// Usage: turn-server-bench <user> <password> <realm>; prints "ready <port>" and serves until stdin closes.
// Run with GOMAXPROCS=1 to compare with one Node core.
package main

import (
	"fmt"
	"io"
	"net"
	"os"

	"github.com/pion/logging"
	"github.com/pion/turn/v2"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: turn-server-bench <user> <password> <realm>")
		os.Exit(2)
	}
	user, pass, realm := os.Args[1], os.Args[2], os.Args[3]
	key := turn.GenerateAuthKey(user, realm, pass)
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelError
	server, err := turn.NewServer(turn.ServerConfig{
		Realm:         realm,
		LoggerFactory: lf,
		AuthHandler: func(username, realm string, srcAddr net.Addr) ([]byte, bool) {
			if username == user {
				return key, true
			}
			return nil, false
		},
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn:            conn,
			RelayAddressGenerator: &turn.RelayAddressGeneratorStatic{RelayAddress: net.ParseIP("127.0.0.1"), Address: "127.0.0.1"},
		}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("ready %d\n", conn.LocalAddr().(*net.UDPAddr).Port)
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = server.Close()
}
