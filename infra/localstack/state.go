package localstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// stateFile remembers, between runs, what CloudFormation would remember: the
// physical ids of resources the emulators can not find by name, custom
// resources already created, and how far each stream and S3 event file has
// been read.
type stateFile struct {
	path string
	mu   sync.Mutex
	data stateData
}

type stateData struct {
	Resources       map[string]string              `json:"resources"`
	CustomResources map[string]customResourceState `json:"customResources"`
	Streams         map[string]*streamState        `json:"streams"`
	// EventFiles: how far each S3 event file has been read (bytes).
	EventFiles map[string]int64 `json:"eventFiles,omitempty"`
	// Cognito: the template properties last passed to cognito-local for
	// each user pool and client (logical id → property → value). Some it
	// takes at create only and never describes (UserAttributeUpdateSettings):
	// this is how a change to one is noticed.
	Cognito map[string]map[string]any `json:"cognito,omitempty"`
}

type customResourceState struct {
	PhysicalResourceID string         `json:"physicalResourceId"`
	Data               map[string]any `json:"data,omitempty"`
}

// streamState is the read position of one event source mapping.
type streamState struct {
	// Since is when the mapping first started (Unix seconds): shards without a
	// checkpoint are read from their start, skipping older records.
	Since  int64             `json:"since"`
	Shards map[string]string `json:"shards"` // shard id → last processed sequence number
}

func loadState(path string) (*stateFile, error) {
	s := &stateFile{path: path}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("state: %w", err)
	default:
		if err := json.Unmarshal(raw, &s.data); err != nil {
			return nil, fmt.Errorf("state %s: %w", path, err)
		}
	}
	if s.data.Resources == nil {
		s.data.Resources = map[string]string{}
	}
	if s.data.CustomResources == nil {
		s.data.CustomResources = map[string]customResourceState{}
	}
	if s.data.Streams == nil {
		s.data.Streams = map[string]*streamState{}
	}
	return s, nil
}

func (s *stateFile) resource(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Resources[id]
}

func (s *stateFile) setResource(id, physical string) error {
	s.mu.Lock()
	s.data.Resources[id] = physical
	s.mu.Unlock()
	return s.save()
}

// cognitoApplied is what was last passed to cognito-local for a pool or
// client; nil when nothing was recorded (created before it was kept).
func (s *stateFile) cognitoApplied(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data.Cognito[id]
}

// setCognito records a pool's or client's physical id and what was passed.
func (s *stateFile) setCognito(id, physical string, applied map[string]any) error {
	s.mu.Lock()
	s.data.Resources[id] = physical
	if s.data.Cognito == nil {
		s.data.Cognito = map[string]map[string]any{}
	}
	s.data.Cognito[id] = applied
	s.mu.Unlock()
	return s.save()
}

func (s *stateFile) customResource(id string) (customResourceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.data.CustomResources[id]
	return c, ok
}

func (s *stateFile) setCustomResource(id string, c customResourceState) error {
	s.mu.Lock()
	s.data.CustomResources[id] = c
	s.mu.Unlock()
	return s.save()
}

// stream returns a copy of the read position of a mapping, and whether one
// was stored.
func (s *stateFile) stream(key string) (streamState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.data.Streams[key]
	if !ok {
		return streamState{Shards: map[string]string{}}, false
	}
	cp := streamState{Since: st.Since, Shards: make(map[string]string, len(st.Shards))}
	for k, v := range st.Shards {
		cp.Shards[k] = v
	}
	return cp, true
}

func (s *stateFile) initStream(key string, since int64) error {
	s.mu.Lock()
	if _, ok := s.data.Streams[key]; !ok {
		s.data.Streams[key] = &streamState{Since: since, Shards: map[string]string{}}
	}
	s.mu.Unlock()
	return s.save()
}

func (s *stateFile) checkpoint(key, shardID, seq string) error {
	s.mu.Lock()
	st, ok := s.data.Streams[key]
	if !ok {
		st = &streamState{Shards: map[string]string{}}
		s.data.Streams[key] = st
	}
	st.Shards[shardID] = seq
	s.mu.Unlock()
	return s.save()
}

// eventOffset is how far the event file at path was read; -1 when never.
func (s *stateFile) eventOffset(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off, ok := s.data.EventFiles[path]; ok {
		return off
	}
	return -1
}

func (s *stateFile) setEventOffset(path string, off int64) error {
	s.mu.Lock()
	if s.data.EventFiles == nil {
		s.data.EventFiles = map[string]int64{}
	}
	s.data.EventFiles[path] = off
	s.mu.Unlock()
	return s.save()
}

// save writes the file atomically, so a crash never leaves half a file.
func (s *stateFile) save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, err := json.MarshalIndent(s.data, "", "  ")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}
