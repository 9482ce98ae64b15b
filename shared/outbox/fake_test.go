package outbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"backoffice/shared/mail"
)

// fakeDB is a table in memory. UpdateItem understands the expressions the
// expression builder writes for this package (SET/REMOVE, one equality
// condition) and fails loudly on anything else.
type fakeDB struct {
	items       map[string]map[string]types.AttributeValue
	gets        map[string]int // per pk
	updates     int
	failUpdates int // fail this many UpdateItem calls before working again
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
)

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
		m := equality.FindStringSubmatch(*in.ConditionExpression)
		if m == nil {
			return nil, fmt.Errorf("fake: unsupported condition %q", *in.ConditionExpression)
		}
		if !reflect.DeepEqual(it[in.ExpressionAttributeNames[m[1]]], in.ExpressionAttributeValues[m[2]]) {
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
