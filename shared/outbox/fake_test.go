package outbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/mail"
)

// fakeDB is a table in memory. UpdateItem understands the expressions the
// expression builder writes for this package (SET/REMOVE/ADD, an equality
// condition and the sweeper's claim) and Query the pending index's key
// condition; anything else fails loudly.
type fakeDB struct {
	items       map[string]map[string]types.AttributeValue
	gets        map[string]int // per pk
	updates     int
	failUpdates int // fail this many UpdateItem calls before working again
	queries     int
	failQueries int // fail this many Query calls before working again
}

func newFakeDB() *fakeDB {
	return &fakeDB{items: map[string]map[string]types.AttributeValue{}, gets: map[string]int{}}
}

func itemKey(k map[string]types.AttributeValue) string {
	return k["pk"].(*types.AttributeValueMemberS).Value + "|" + k["sk"].(*types.AttributeValueMemberS).Value
}

func (f *fakeDB) put(item map[string]types.AttributeValue) { f.items[itemKey(item)] = item }

func (f *fakeDB) item(pk, sk string) map[string]types.AttributeValue { return f.items[pk+"|"+sk] }

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.gets[in.Key["pk"].(*types.AttributeValueMemberS).Value]++
	if strings.HasPrefix(in.Key["pk"].(*types.AttributeValueMemberS).Value, pkPrefix) && !aws.ToBool(in.ConsistentRead) {
		return nil, errors.New("fake: outbox items must be read consistently")
	}
	it, ok := f.items[itemKey(in.Key)]
	if !ok {
		return &dynamodb.GetItemOutput{}, nil
	}
	return &dynamodb.GetItemOutput{Item: maps.Clone(it)}, nil
}

var (
	equality = regexp.MustCompile(`^(#\w+) = (:\w+)$`)
	setItem  = regexp.MustCompile(`^([#\w.]+) = (:\w+)$`)
	// the sweeper's claim: status = pending AND (no sweptAt OR sweptAt < lease)
	claimCond = regexp.MustCompile(`^\((#\w+) = (:\w+)\) AND \(\(attribute_not_exists \((#\w+)\)\) OR \((#\w+) < (:\w+)\)\)$`)
	// the pending index: gsi4pk = v AND gsi4sk < v
	keyCond = regexp.MustCompile(`^\((#\w+) = (:\w+)\) AND \((#\w+) < (:\w+)\)$`)
)

// holds evaluates the conditions this package writes.
func holds(it map[string]types.AttributeValue, cond string, names map[string]string, values map[string]types.AttributeValue) (bool, error) {
	if m := equality.FindStringSubmatch(cond); m != nil {
		return reflect.DeepEqual(it[names[m[1]]], values[m[2]]), nil
	}
	if m := claimCond.FindStringSubmatch(cond); m != nil {
		if !reflect.DeepEqual(it[names[m[1]]], values[m[2]]) {
			return false, nil
		}
		at, ok := it[names[m[3]]].(*types.AttributeValueMemberS)
		return !ok || at.Value < values[m[5]].(*types.AttributeValueMemberS).Value, nil
	}
	return false, fmt.Errorf("fake: unsupported condition %q", cond)
}

// Query answers the pending index's query: ascending, Limit, paging. The
// index here is never stale; a test makes a "stale" entry by storing an
// item that is no longer pending but still has the index keys.
func (f *fakeDB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries++
	if f.failQueries > 0 {
		f.failQueries--
		return nil, errors.New("fake: query throttled")
	}
	if aws.ToString(in.IndexName) != PendingIndex || aws.ToBool(in.ConsistentRead) || !aws.ToBool(in.ScanIndexForward) {
		return nil, fmt.Errorf("fake: unsupported query on %q (consistent %v)", aws.ToString(in.IndexName), aws.ToBool(in.ConsistentRead))
	}
	m := keyCond.FindStringSubmatch(aws.ToString(in.KeyConditionExpression))
	if m == nil || in.ExpressionAttributeNames[m[1]] != "gsi4pk" || in.ExpressionAttributeNames[m[3]] != "gsi4sk" {
		return nil, fmt.Errorf("fake: unsupported key condition %q", aws.ToString(in.KeyConditionExpression))
	}
	str := func(it map[string]types.AttributeValue, name string) string {
		v, _ := it[name].(*types.AttributeValueMemberS)
		if v == nil {
			return ""
		}
		return v.Value
	}
	pk := in.ExpressionAttributeValues[m[2]].(*types.AttributeValueMemberS).Value
	below := in.ExpressionAttributeValues[m[4]].(*types.AttributeValueMemberS).Value
	var hits []map[string]types.AttributeValue
	for _, it := range f.items {
		if str(it, "gsi4pk") == pk && str(it, "gsi4sk") < below {
			hits = append(hits, it)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return str(hits[i], "gsi4sk") < str(hits[j], "gsi4sk") })
	if in.ExclusiveStartKey != nil {
		after := str(in.ExclusiveStartKey, "gsi4sk")
		for len(hits) > 0 && str(hits[0], "gsi4sk") <= after {
			hits = hits[1:]
		}
	}
	out := &dynamodb.QueryOutput{}
	limit := int(aws.ToInt32(in.Limit))
	if limit > 0 && len(hits) >= limit {
		hits = hits[:limit]
		last := hits[limit-1]
		out.LastEvaluatedKey = map[string]types.AttributeValue{"pk": last["pk"], "sk": last["sk"], "gsi4pk": last["gsi4pk"], "gsi4sk": last["gsi4sk"]}
	}
	for _, it := range hits {
		out.Items = append(out.Items, maps.Clone(it))
	}
	return out, nil
}

func (f *fakeDB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	f.updates++
	if f.failUpdates > 0 {
		f.failUpdates--
		return nil, errors.New("fake: throttled")
	}
	it, ok := f.items[itemKey(in.Key)]
	if !ok {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("no item")}
	}
	it = maps.Clone(it)
	if in.ConditionExpression != nil {
		ok, err := holds(it, *in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &types.ConditionalCheckFailedException{Message: aws.String("condition")}
		}
	}
	for _, clause := range strings.Split(strings.TrimSpace(*in.UpdateExpression), "\n") {
		verb, list, _ := strings.Cut(clause, " ")
		for _, part := range strings.Split(list, ", ") {
			switch verb {
			case "SET":
				m := setItem.FindStringSubmatch(part)
				if m == nil || strings.Contains(m[1], ".") {
					return nil, fmt.Errorf("fake: unsupported SET %q", part)
				}
				it[in.ExpressionAttributeNames[m[1]]] = in.ExpressionAttributeValues[m[2]]
			case "REMOVE":
				path := strings.Split(part, ".")
				for i, p := range path {
					path[i] = in.ExpressionAttributeNames[p]
				}
				switch len(path) {
				case 1:
					delete(it, path[0])
				case 2:
					parent, ok := it[path[0]].(*types.AttributeValueMemberM)
					if !ok {
						return nil, fmt.Errorf("fake: the document path %q is invalid for update", part)
					}
					child := maps.Clone(parent.Value)
					delete(child, path[1])
					it[path[0]] = &types.AttributeValueMemberM{Value: child}
				default:
					return nil, fmt.Errorf("fake: unsupported REMOVE %q", part)
				}
			case "ADD":
				name, val, _ := strings.Cut(part, " ")
				n, _ := it[in.ExpressionAttributeNames[name]].(*types.AttributeValueMemberN)
				add, ok := in.ExpressionAttributeValues[val].(*types.AttributeValueMemberN)
				if !ok {
					return nil, fmt.Errorf("fake: unsupported ADD %q", part)
				}
				sum, _ := strconv.Atoi(add.Value)
				if n != nil {
					prev, _ := strconv.Atoi(n.Value)
					sum += prev
				}
				it[in.ExpressionAttributeNames[name]] = &types.AttributeValueMemberN{Value: strconv.Itoa(sum)}
			default:
				return nil, fmt.Errorf("fake: unsupported clause %q", clause)
			}
		}
	}
	f.items[itemKey(in.Key)] = it
	return &dynamodb.UpdateItemOutput{}, nil
}

// fakeSender records mails and fails the calls whose (1-based) numbers are
// in failOn.
type fakeSender struct {
	calls  int
	failOn map[int]bool // a transient failure (throttling) on these calls
	refuse map[int]bool // a permanent refusal on these calls
	sent   []mail.Email
}

func (s *fakeSender) Send(_ context.Context, e mail.Email) (string, error) {
	s.calls++
	if s.failOn[s.calls] {
		return "", fmt.Errorf("fake: TooManyRequestsException: sending rate exceeded for %s", e.To)
	}
	if s.refuse[s.calls] {
		return "", fmt.Errorf("fake: %w: MessageRejected: Email address is not verified: %s", mail.ErrUndeliverable, e.To)
	}
	s.sent = append(s.sent, e)
	return fmt.Sprintf("msg-%d", s.calls), nil
}
