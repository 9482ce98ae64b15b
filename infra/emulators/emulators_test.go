package emulators_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"backoffice/infra/emulators"
)

// These tests install the emulators into <repo>/.local on first run (a
// minute or two) and then start them for real.

func installDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, ".local")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found")
		}
		dir = parent
	}
}

func start(t *testing.T, ctx context.Context, o emulators.Options) *emulators.Set {
	t.Helper()
	o.Dir = installDir(t)
	if testing.Verbose() {
		o.Progress = os.Stderr
	}
	installStart := time.Now()
	if err := emulators.InstallWithProgress(ctx, o.Dir, o.Progress); err != nil {
		t.Fatal(err)
	}
	t.Logf("install check: %s", time.Since(installStart).Round(time.Millisecond))
	began := time.Now()
	set, err := emulators.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %s: dynamodb %s cognito %s ses %s s3 %q", time.Since(began).Round(time.Millisecond), set.DynamoDB, set.Cognito, set.SES, set.S3)
	t.Cleanup(func() { set.Close() })
	return set
}

func awsConfig() aws.Config {
	return aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

func TestEmulators(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	set := start(t, ctx, emulators.Options{S3: true})
	cfg := awsConfig()

	t.Run("dynamodb", func(t *testing.T) {
		db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(set.DynamoDB)
			o.DisableValidateResponseChecksum = true
		})
		_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:   aws.String("things"),
			BillingMode: ddbtypes.BillingModePayPerRequest,
			AttributeDefinitions: []ddbtypes.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			},
			KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("things"), Item: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "v": &ddbtypes.AttributeValueMemberS{Value: "1"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("things"), Key: map[string]ddbtypes.AttributeValue{
			"pk": &ddbtypes.AttributeValueMemberS{Value: "a"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := out.Item["v"].(*ddbtypes.AttributeValueMemberS); v == nil || v.Value != "1" {
			t.Fatalf("item = %v", out.Item)
		}
	})

	t.Run("cognito", func(t *testing.T) {
		c := cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(set.Cognito) })
		pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("staff"), UsernameAttributes: []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail}})
		if err != nil {
			t.Fatal(err)
		}
		poolID := aws.ToString(pool.UserPool.Id)
		client, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: &poolID, ClientName: aws.String("web"),
			ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		})
		if err != nil {
			t.Fatal(err)
		}
		email := "ann@example.com"
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: &poolID, Username: &email, MessageAction: ciptypes.MessageActionTypeSuppress,
			UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: &email}, {Name: aws.String("email_verified"), Value: aws.String("true")}},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
			UserPoolId: &poolID, Username: &email, Password: aws.String("Correct-horse-1"), Permanent: true,
		}); err != nil {
			t.Fatal(err)
		}
		auth, err := c.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth, ClientId: client.UserPoolClient.ClientId,
			AuthParameters: map[string]string{"USERNAME": email, "PASSWORD": "Correct-horse-1"},
		})
		if err != nil {
			t.Fatal(err)
		}
		claims := jwtClaims(t, aws.ToString(auth.AuthenticationResult.AccessToken))
		if want := set.Cognito + "/" + poolID; claims["iss"] != want {
			t.Fatalf("iss = %v, want %s", claims["iss"], want)
		}
		if !strings.HasPrefix(set.Cognito, "http://127.0.0.1:") {
			t.Fatalf("cognito URL %s", set.Cognito)
		}
	})

	t.Run("ses", func(t *testing.T) {
		if err := set.ClearMail(ctx); err != nil {
			t.Fatal(err)
		}
		ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(set.SES) })
		sent, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("noreply@example.com"),
			Destination:      &sestypes.Destination{ToAddresses: []string{"bob@example.com"}},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{
				Subject: &sestypes.Content{Data: aws.String("Hello Bob")},
				Body: &sestypes.Body{
					Text: &sestypes.Content{Data: aws.String("Open http://127.0.0.1:3000/accept-invitation?t=x")},
					Html: &sestypes.Content{Data: aws.String("<p>Hi</p>")},
				},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		mails, err := set.Mails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(mails) != 1 {
			t.Fatalf("mails = %+v", mails)
		}
		m := mails[0]
		if m.MessageID != aws.ToString(sent.MessageId) || m.From != "noreply@example.com" || len(m.To) != 1 || m.To[0] != "bob@example.com" ||
			m.Subject != "Hello Bob" || !strings.Contains(m.Text, "accept-invitation") || m.HTML != "<p>Hi</p>" || time.Since(m.At) > time.Minute {
			t.Fatalf("mail = %+v", m)
		}
		if err := set.ClearMail(ctx); err != nil {
			t.Fatal(err)
		}
		if mails, _ := set.Mails(ctx); len(mails) != 0 {
			t.Fatalf("after clear: %d mails", len(mails))
		}
	})

	t.Run("s3 events", func(t *testing.T) {
		s3c := s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = aws.String(set.S3)
			o.UsePathStyle = true
			o.Credentials = credentials.NewStaticCredentialsProvider("S3RVER", "S3RVER", "")
		})
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pics")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pics"), Key: aws.String("a/b.png"), Body: strings.NewReader("png")}); err != nil {
			t.Fatal(err)
		}
		if set.S3Events == "" {
			t.Fatal("no S3Events file")
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			raw, _ := os.ReadFile(set.S3Events)
			if strings.HasSuffix(string(raw), "\n") {
				var n struct {
					Records []struct {
						EventName string `json:"eventName"`
						S3        struct {
							Bucket struct{ Name string } `json:"bucket"`
							Object struct {
								Key  string `json:"key"`
								Size int64  `json:"size"`
							} `json:"object"`
						} `json:"s3"`
					}
				}
				line, _, _ := strings.Cut(string(raw), "\n")
				if err := json.Unmarshal([]byte(line), &n); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				if len(n.Records) != 1 || n.Records[0].EventName != "ObjectCreated:Put" || n.Records[0].S3.Bucket.Name != "pics" ||
					n.Records[0].S3.Object.Key != "a/b.png" || n.Records[0].S3.Object.Size != 3 {
					t.Fatalf("event: %s", line)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no event in %s after 5s", set.S3Events)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})

	t.Run("loopback only", func(t *testing.T) {
		ip := nonLoopbackIP()
		if ip == "" {
			t.Skip("this machine has no non-loopback address, so nothing else could reach the emulators anyway")
		}
		urls := []string{set.Cognito, set.SES, set.S3}
		if _, err := exec.LookPath("javac"); err == nil {
			urls = append(urls, set.DynamoDB) // bound by the launcher javac builds
		}
		for _, u := range urls {
			port := u[strings.LastIndex(u, ":")+1:]
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip, port), time.Second)
			if err == nil {
				conn.Close()
				t.Errorf("%s also answers on %s", u, ip)
			}
		}
	})

	for _, p := range set.Processes() {
		t.Logf("%-8s pid %d ready after %s, RSS %d MiB", p.Name, p.PID, p.Ready.Round(time.Millisecond), p.RSSKiB/1024)
	}
}

// Data kept under DataDir survives a restart; the issuer follows the port.
func TestPersistentData(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	data := t.TempDir()
	cfg := awsConfig()

	set := start(t, ctx, emulators.Options{DataDir: data})
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(set.DynamoDB) })
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("kept"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	c := cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(set.Cognito) })
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("kept")})
	if err != nil {
		t.Fatal(err)
	}
	set.Close()

	set = start(t, ctx, emulators.Options{DataDir: data})
	db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(set.DynamoDB) })
	tables, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.TableNames) != 1 || tables.TableNames[0] != "kept" {
		t.Fatalf("tables after restart = %v", tables.TableNames)
	}
	c = cip.NewFromConfig(cfg, func(o *cip.Options) { o.BaseEndpoint = aws.String(set.Cognito) })
	if _, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: pool.UserPool.Id}); err != nil {
		t.Fatalf("pool after restart: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(data, "cognito", ".cognito", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), set.Cognito) {
		t.Fatalf("config.json = %s, want issuer %s", b, set.Cognito)
	}
}

// A taken fixed port fails fast with a clear message.
func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = emulators.Start(context.Background(), emulators.Options{Dir: installDir(t), SESPort: port})
	if err == nil || !strings.Contains(err.Error(), "port "+strconv.Itoa(port)) {
		t.Fatalf("err = %v", err)
	}
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func nonLoopbackIP() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}
