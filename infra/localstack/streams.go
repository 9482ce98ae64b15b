package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Polling of DynamoDB streams, as Lambda's event source mapping does it.
const (
	pollInterval    = 250 * time.Millisecond
	recordsPerPage  = 1000
	pagesPerPoll    = 10
	retryBackoff    = 200 * time.Millisecond
	maxRetryBackoff = 5 * time.Second
)

// streamSource is one `Type: DynamoDB` event of a function.
type streamSource struct {
	key            string // <function>/<event>: the state file's name for the mapping
	fn             *function
	streamArn      string
	batchSize      int
	maxRetries     int // -1: until the record expires, i.e. forever here
	filters        []filterPattern
	reportFailures bool
}

func newStreamSource(fn *function, event string, props map[string]any) (*streamSource, error) {
	src := &streamSource{
		key:        fn.LogicalID + "/" + event,
		fn:         fn,
		streamArn:  scalarString(props["Stream"]),
		batchSize:  100,
		maxRetries: -1,
	}
	if n, err := strconv.Atoi(scalarString(props["BatchSize"])); err == nil && n > 0 {
		src.batchSize = n
	}
	if n, err := strconv.Atoi(scalarString(props["MaximumRetryAttempts"])); err == nil {
		src.maxRetries = n
	}
	for _, f := range asList(asMap(props["FilterCriteria"])["Filters"]) {
		p, err := parseFilterPattern(scalarString(asMap(f)["Pattern"]))
		if err != nil {
			return nil, err
		}
		src.filters = append(src.filters, p)
	}
	for _, t := range stringList(props["FunctionResponseTypes"]) {
		if t == "ReportBatchItemFailures" {
			src.reportFailures = true
		}
	}
	return src, nil
}

// startStreams opens every stream mapping before returning, so records
// written from now on (by custom resources, say) are not missed.
func (s *Stack) startStreams(ctx context.Context) error {
	for _, id := range s.tmpl.Order {
		fn, ok := s.functions[id]
		if !ok {
			continue
		}
		for name, ev := range asMap(fn.Props["Events"]) {
			if scalarString(asMap(ev)["Type"]) != "DynamoDB" {
				continue
			}
			if s.aws.streams == nil {
				s.logs.printf("localstack", "%s event %s: no DynamoDB endpoint, stream not polled", id, name)
				continue
			}
			src, err := newStreamSource(fn, name, asMap(asMap(ev)["Properties"]))
			if err != nil {
				return fmt.Errorf("%s event %s: %w", id, name, err)
			}
			p := &streamPoller{s: s, src: src, client: s.aws.streams,
				shards: map[string]*shardReader{}, finished: map[string]bool{}}
			if err := p.open(ctx); err != nil {
				return fmt.Errorf("%s event %s: %w", id, name, err)
			}
			s.streams = append(s.streams, p)
			s.streamsWG.Add(1)
			go func() { defer s.streamsWG.Done(); p.run(s.ctx) }()
		}
	}
	return nil
}

// WaitStreamsIdle returns when every stream poller has completed a full pass,
// begun after this call, that found no new records, and so no invocation is
// in flight; and likewise the S3 event bus (no new events, no delivery in
// flight or waiting for a retry); and no scheduled event is being delivered.
func (s *Stack) WaitStreamsIdle(ctx context.Context) error {
	targets := make([]int64, len(s.streams))
	for i, p := range s.streams {
		targets[i] = p.cycle.Load()
	}
	var busTarget int64
	if s.bus != nil {
		busTarget = s.bus.cycle.Load()
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		idle := true
		for i, p := range s.streams {
			if p.idleCycle.Load() <= targets[i] {
				idle = false
			}
		}
		if s.bus != nil && !s.bus.idle(busTarget) {
			idle = false
		}
		if !s.schedulesIdle() {
			idle = false
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return errors.New("stack closed")
		case <-tick.C:
		}
	}
}

// streamPoller reads the shards of one stream for one mapping.
type streamPoller struct {
	s      *Stack
	src    *streamSource
	client *dynamodbstreams.Client

	since    int64 // Unix seconds: records before it predate the mapping
	firstRun bool  // no state yet: shards open at LATEST, as of now
	opened   bool  // the first DescribeStream is done
	shards   map[string]*shardReader
	finished map[string]bool

	cycle     atomic.Int64 // passes started
	idleCycle atomic.Int64 // last pass that found nothing to do
	lastError string
}

type shardReader struct {
	id, parent string
	iterator   *string
	checkpoint string // last processed sequence number
	skipOld    bool   // opened at TRIM_HORIZON without checkpoint: skip records before since
}

func (p *streamPoller) open(ctx context.Context) error {
	st, had := p.s.state.stream(p.src.key)
	if !had {
		st.Since = time.Now().Unix()
		if err := p.s.state.initStream(p.src.key, st.Since); err != nil {
			return err
		}
	}
	p.since, p.firstRun = st.Since, !had
	return p.discover(ctx)
}

func (p *streamPoller) run(ctx context.Context) { every(ctx, pollInterval, p.pollOnce) }

// every runs poll at once and then at each interval until ctx ends.
func every(ctx context.Context, interval time.Duration, poll func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		poll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *streamPoller) pollOnce(ctx context.Context) {
	c := p.cycle.Add(1)
	busy := false
	if err := p.discover(ctx); err != nil {
		p.logError(err)
		busy = true
	}
	ids := make([]string, 0, len(p.shards))
	for id := range p.shards {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		n, err := p.readShard(ctx, p.shards[id])
		if err != nil {
			p.logError(err)
			busy = true
		}
		if n > 0 {
			busy = true
		}
	}
	if !busy && ctx.Err() == nil {
		p.idleCycle.Store(c)
	}
}

// logError logs a failure once until it changes, not every 250 ms, and not
// the cancellations of a stack shutting down.
func (p *streamPoller) logError(err error) {
	if p.s.ctx.Err() != nil {
		return
	}
	if msg := err.Error(); msg != p.lastError {
		p.lastError = msg
		p.s.logs.printf("localstack", "stream %s: %v", p.src.key, err)
	}
}

// discover opens shards it has not seen. A child shard waits until its
// parent is finished, so records of one item stay in order.
func (p *streamPoller) discover(ctx context.Context) error {
	var shards []stypes.Shard
	var start *string
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := p.client.DescribeStream(cctx, &dynamodbstreams.DescribeStreamInput{
			StreamArn: aws.String(p.src.streamArn), ExclusiveStartShardId: start})
		cancel()
		if err != nil {
			return fmt.Errorf("describe stream: %w", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		start = out.StreamDescription.LastEvaluatedShardId
		if start == nil {
			break
		}
	}
	initial := !p.opened
	p.opened = true
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if p.shards[id] != nil || p.finished[id] {
			continue
		}
		parent := aws.ToString(sh.ParentShardId)
		if p.shards[parent] != nil {
			continue
		}
		closed := sh.SequenceNumberRange != nil && sh.SequenceNumberRange.EndingSequenceNumber != nil
		if initial && p.firstRun && closed {
			p.finished[id] = true // all of it predates the mapping
			continue
		}
		r := &shardReader{id: id, parent: parent}
		if err := p.openShard(ctx, r, initial && p.firstRun); err != nil {
			return err
		}
		p.shards[id] = r
	}
	return nil
}

// openShard gets an iterator: after the checkpoint if there is one, at LATEST
// for shards open when the mapping first started, else from the shard's start.
func (p *streamPoller) openShard(ctx context.Context, r *shardReader, latest bool) error {
	st, _ := p.s.state.stream(p.src.key)
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.src.streamArn), ShardId: aws.String(r.id)}
	switch {
	case st.Shards[r.id] != "":
		r.checkpoint = st.Shards[r.id]
		in.ShardIteratorType = stypes.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(r.checkpoint)
	case latest:
		in.ShardIteratorType = stypes.ShardIteratorTypeLatest
	default:
		in.ShardIteratorType = stypes.ShardIteratorTypeTrimHorizon
		r.skipOld = true
	}
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	out, err := p.client.GetShardIterator(cctx, in)
	if err != nil {
		return fmt.Errorf("shard iterator %s: %w", r.id, err)
	}
	r.iterator = out.ShardIterator
	return nil
}

// readShard processes what the shard holds now and returns how many records
// it read.
func (p *streamPoller) readShard(ctx context.Context, r *shardReader) (int, error) {
	total := 0
	for page := 0; page < pagesPerPoll && ctx.Err() == nil; page++ {
		if r.iterator == nil {
			delete(p.shards, r.id)
			p.finished[r.id] = true
			return total, nil
		}
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		out, err := p.client.GetRecords(cctx, &dynamodbstreams.GetRecordsInput{
			ShardIterator: r.iterator, Limit: aws.Int32(recordsPerPage)})
		cancel()
		var expired *stypes.ExpiredIteratorException
		if errors.As(err, &expired) {
			return total, p.openShard(ctx, r, false) // iterators live 15 minutes
		}
		if err != nil {
			return total, fmt.Errorf("get records %s: %w", r.id, err)
		}
		r.iterator = out.NextShardIterator
		if len(out.Records) == 0 {
			return total, nil
		}
		total += len(out.Records)
		p.process(ctx, r, out.Records)
		if ctx.Err() != nil {
			return total, nil // stopped mid-batch: do not checkpoint what was not delivered
		}
		r.checkpoint = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber)
		if err := p.s.state.checkpoint(p.src.key, r.id, r.checkpoint); err != nil {
			return total, err
		}
	}
	return total, nil
}

// process filters one page of records and delivers it in batches.
func (p *streamPoller) process(ctx context.Context, r *shardReader, records []stypes.Record) {
	var batch []events.DynamoDBEventRecord
	for _, rec := range records {
		if r.skipOld && rec.Dynamodb != nil && rec.Dynamodb.ApproximateCreationDateTime != nil &&
			rec.Dynamodb.ApproximateCreationDateTime.Unix() < p.since {
			continue
		}
		ev := p.lambdaRecord(rec)
		if !p.matches(ev) {
			continue
		}
		batch = append(batch, ev)
		if len(batch) == p.src.batchSize {
			p.deliver(ctx, batch)
			batch = nil
		}
	}
	if len(batch) > 0 {
		p.deliver(ctx, batch)
	}
}

func (p *streamPoller) matches(ev events.DynamoDBEventRecord) bool {
	if len(p.src.filters) == 0 {
		return true
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return false
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return false
	}
	return matchAny(p.src.filters, generic)
}

// deliver invokes the function with a batch, retrying with backoff: the whole
// batch after an error, or from the first reported item failure.
func (p *streamPoller) deliver(ctx context.Context, records []events.DynamoDBEventRecord) {
	from := 0
	attempts, ok := retryInvoke(ctx, p.src.maxRetries, func() bool {
		payload, err := json.Marshal(events.DynamoDBEvent{Records: records})
		if err != nil {
			p.s.logs.printf("localstack", "stream %s: %v", p.src.key, err)
			return true
		}
		out, err := p.src.fn.rt.Invoke(ctx, payload)
		from = 0
		if err == nil {
			if !p.src.reportFailures {
				return true
			}
			if from = firstFailure(out, records); from < 0 {
				return true
			}
		}
		records = records[from:]
		return false
	})
	if !ok && ctx.Err() == nil {
		p.s.logs.printf("localstack", "stream %s: dropping %d records after %d retries (first %s)",
			p.src.key, len(records), attempts-1, records[0].Change.SequenceNumber)
	}
}

// retryInvoke calls try (one invocation; true when it is done with) until
// it is done, with backoff between attempts: retryBackoff, doubling up to
// maxRetryBackoff. maxRetries < 0 retries until ctx ends. It returns the
// attempts made and whether try got done; event sources share it, as
// Lambda's pollers and EventBridge retry alike.
func retryInvoke(ctx context.Context, maxRetries int, try func() bool) (int, bool) {
	backoff := retryBackoff
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if try() {
			return attempt + 1, true
		}
		if ctx.Err() != nil || (maxRetries >= 0 && attempt >= maxRetries) {
			return attempt + 1, false
		}
		select {
		case <-ctx.Done():
			return attempt + 1, false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxRetryBackoff)
	}
	return 0, false
}

// firstFailure reads a ReportBatchItemFailures response: -1 when all
// succeeded, else the index to retry from. An answer naming no record of
// the batch fails the whole batch, as Lambda does.
func firstFailure(out []byte, records []events.DynamoDBEventRecord) int {
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(out) == 0 || string(out) == "null" {
		return -1
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return -1
	}
	first := -1
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" {
			return 0
		}
		idx := -1
		for i, r := range records {
			if r.Change.SequenceNumber == *f.ItemIdentifier {
				idx = i
				break
			}
		}
		if idx < 0 {
			return 0
		}
		if first < 0 || idx < first {
			first = idx
		}
	}
	return first
}

// lambdaRecord shapes a stream record the way Lambda hands it to functions.
func (p *streamPoller) lambdaRecord(rec stypes.Record) events.DynamoDBEventRecord {
	ev := events.DynamoDBEventRecord{
		AWSRegion:      p.s.cfg.Region,
		EventID:        aws.ToString(rec.EventID),
		EventName:      string(rec.EventName),
		EventSource:    "aws:dynamodb",
		EventVersion:   "1.1",
		EventSourceArn: p.src.streamArn,
	}
	if d := rec.Dynamodb; d != nil {
		ev.Change = events.DynamoDBStreamRecord{
			Keys:           attributeMap(d.Keys),
			NewImage:       attributeMap(d.NewImage),
			OldImage:       attributeMap(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			ev.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
		}
	}
	return ev
}

func attributeMap(m map[string]stypes.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if m == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(m))
	for k, v := range m {
		out[k] = attributeValue(v)
	}
	return out
}

func attributeValue(v stypes.AttributeValue) events.DynamoDBAttributeValue {
	switch t := v.(type) {
	case *stypes.AttributeValueMemberS:
		return events.NewStringAttribute(t.Value)
	case *stypes.AttributeValueMemberN:
		return events.NewNumberAttribute(t.Value)
	case *stypes.AttributeValueMemberB:
		return events.NewBinaryAttribute(t.Value)
	case *stypes.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(t.Value)
	case *stypes.AttributeValueMemberSS:
		return events.NewStringSetAttribute(t.Value)
	case *stypes.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(t.Value)
	case *stypes.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(t.Value)
	case *stypes.AttributeValueMemberL:
		list := make([]events.DynamoDBAttributeValue, len(t.Value))
		for i, e := range t.Value {
			list[i] = attributeValue(e)
		}
		return events.NewListAttribute(list)
	case *stypes.AttributeValueMemberM:
		return events.NewMapAttribute(attributeMap(t.Value))
	default:
		return events.NewNullAttribute()
	}
}
