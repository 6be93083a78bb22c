// Command srtp-peer protects and unprotects SRTP/SRTCP packets with Pion's
// srtp (v2) for cross-implementation tests. One JSON request per stdin line:
//
//	{"op":"protect_rtp"|"unprotect_rtp"|"protect_rtcp"|"unprotect_rtcp",
//	 "profile":1, "key":"<hex>", "salt":"<hex>", "packets":["<hex>", ...]}
//
// and one JSON response per line: {"results":[{"data":"<hex>"} | {"error":"..."}]}.
// Each request gets a fresh context; its packets are processed in order, so
// rollover counters and SRTCP indices carry across the list. No network use.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pion/srtp/v2"
)

type request struct {
	Op      string   `json:"op"`
	Profile uint16   `json:"profile"`
	Key     string   `json:"key"`
	Salt    string   `json:"salt"`
	Packets []string `json:"packets"`
}

type result struct {
	Data  string `json:"data,omitempty"`
	Error string `json:"error,omitempty"`
}

type response struct {
	Results []result `json:"results"`
	Error   string   `json:"error,omitempty"`
}

func handle(req request) response {
	key, err := hex.DecodeString(req.Key)
	if err != nil {
		return response{Error: "bad key"}
	}
	salt, err := hex.DecodeString(req.Salt)
	if err != nil {
		return response{Error: "bad salt"}
	}
	ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfile(req.Profile),
		srtp.SRTPReplayProtection(64), srtp.SRTCPReplayProtection(64))
	if err != nil {
		return response{Error: err.Error()}
	}
	out := response{Results: make([]result, 0, len(req.Packets))}
	for _, h := range req.Packets {
		in, err := hex.DecodeString(h)
		if err != nil {
			out.Results = append(out.Results, result{Error: "bad hex"})
			continue
		}
		var data []byte
		switch req.Op {
		case "protect_rtp":
			data, err = ctx.EncryptRTP(nil, in, nil)
		case "unprotect_rtp":
			data, err = ctx.DecryptRTP(nil, in, nil)
		case "protect_rtcp":
			data, err = ctx.EncryptRTCP(nil, in, nil)
		case "unprotect_rtcp":
			data, err = ctx.DecryptRTCP(nil, in, nil)
		default:
			err = fmt.Errorf("unknown op %q", req.Op)
		}
		if err != nil {
			out.Results = append(out.Results, result{Error: err.Error()})
		} else {
			out.Results = append(out.Results, result{Data: hex.EncodeToString(data)})
		}
	}
	return out
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	enc := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			_ = enc.Encode(response{Error: err.Error()})
			continue
		}
		_ = enc.Encode(handle(req))
	}
}
