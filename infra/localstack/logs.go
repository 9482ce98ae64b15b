package localstack

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// logSink serialises whole lines from many processes onto one writer, so
// lines of concurrent functions never interleave mid-line.
type logSink struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *logSink) line(prefix, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = io.WriteString(s.w, "["+prefix+"] "+text+"\n")
}

func (s *logSink) printf(prefix, format string, args ...any) {
	s.line(prefix, fmt.Sprintf(format, args...))
}

// writer returns an io.Writer that prefixes every line with "[prefix] ".
// Each stream (stdout, stderr) of a process gets its own, so a partial line
// on one never merges with the other.
func (s *logSink) writer(prefix string) *lineWriter {
	return &lineWriter{sink: s, prefix: prefix}
}

// maxLogLine bounds the buffer of a line that never ends.
const maxLogLine = 256 << 10

type lineWriter struct {
	mu     sync.Mutex
	sink   *logSink
	prefix string
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.sink.line(w.prefix, trimCR(string(w.buf[:i])))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > maxLogLine {
		w.sink.line(w.prefix, string(w.buf))
		w.buf = nil
	}
	return len(p), nil
}

// Flush writes a final line that had no newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.sink.line(w.prefix, trimCR(string(w.buf)))
		w.buf = nil
	}
}

func trimCR(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\r' {
		return s[:n-1]
	}
	return s
}
