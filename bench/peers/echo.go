// Command echo-go is a Go echo server, a peer the benchmark sets against tcpecho.
//
// It is written the way a Go programmer writes one, standard library only: net.Listen, a
// goroutine per connection, io.Copy(conn, conn), then CloseWrite. io.Copy takes the fastest
// path the runtime offers (*net.TCPConn.ReadFrom, which splices socket to socket on Linux) and
// its own flow control: nothing is read while the last read is still being written, so a
// client that never reads cannot grow the server. The runtime sets TCP_NODELAY on every TCP
// connection and uses the kernel's somaxconn as the listen backlog (4096 on current Linux);
// GOMAXPROCS is left at its default.
//
// Usage: echo-go [PORT] [HOST]; port 0 lets the kernel choose. Once bound it prints
// 'echo-go: listening on HOST:PORT' on stderr; SIGTERM or SIGINT ends it with status 0.
package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

const prog = "echo-go"

// serve echoes one connection until the client half-closes, then closes it. An error (a
// reset, say) ends only this connection.
func serve(c *net.TCPConn) {
	defer c.Close()
	if _, err := io.Copy(c, c); err == nil {
		c.CloseWrite()
	}
}

// reason returns the innermost error, the part that says why ("address already in use").
func reason(err error) error {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

func main() {
	port, host := "0", "127.0.0.1"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	if len(os.Args) > 2 {
		host = os.Args[2]
	}
	if n, err := strconv.Atoi(port); len(os.Args) > 3 || err != nil || n < 0 || n > 65535 {
		fmt.Fprintf(os.Stderr, "usage: %s [PORT] [HOST]\n", prog)
		os.Exit(2)
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		os.Exit(0)
	}()

	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: bind %s:%s: %v\n", prog, host, port, reason(err))
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "%s: listening on %s\n", prog, ln.Addr())
	tl := ln.(*net.TCPListener)
	for {
		c, err := tl.AcceptTCP()
		if err != nil {
			// EMFILE and the like: wait a moment rather than spin, as net/http does.
			time.Sleep(5 * time.Millisecond)
			continue
		}
		go serve(c)
	}
}
