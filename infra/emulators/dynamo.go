package emulators

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DynamoDB Local is the slowest emulator to start (a JVM loading ~100 jars)
// and the biggest. Two things help, both built once at install time:
//
//   - LocalOnly.jar: a launcher that binds 127.0.0.1 (the jar's own main
//     listens on every interface, with no flag to change that), with a
//     manifest Class-Path listing DynamoDBLocal-nocp.jar and every library
//     jar by name;
//   - a dynamic class-data-sharing archive of the classes DynamoDB Local
//     loads. The stock jar's manifest puts "." on the class path, and CDS
//     refuses directories on it, hence the copy without a manifest.
//     Measured on a busy 2-core machine: ready 35% sooner, 44 MB less RSS.
//
// Both are optional: without javac it runs the stock jar, and without an
// archive for the installed JVM (another Java after an upgrade) it starts
// without one until the next Install makes it.

func emulatorDir(dir string) string { return filepath.Join(dynamoDir(dir), "emulator") }
func launcherJar(dir string) string { return filepath.Join(emulatorDir(dir), "LocalOnly.jar") }
func cdsArchive(dir, key string) string {
	return filepath.Join(emulatorDir(dir), "cds-"+key+".jsa")
}

// jvmArgs are the java arguments up to the main jar, without DynamoDB
// Local's own flags.
func jvmArgs(dir string) []string {
	args := []string{
		"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m", "-Xss512k",
		"-XX:ReservedCodeCacheSize=32m", "-XX:MaxMetaspaceSize=128m",
		"-Djava.library.path=" + dynamoLib(dir),
	}
	if !exists(launcherJar(dir)) {
		return append(args, "-jar", dynamoJar(dir))
	}
	if key := javaKey(); key != "" && exists(cdsArchive(dir, key)) {
		args = append(args, "-XX:SharedArchiveFile="+cdsArchive(dir, key), "-Xshare:auto")
	}
	return append(args, "-jar", launcherJar(dir))
}

func dynamoArgs(dir string, port int, dataDir string) []string {
	args := append(jvmArgs(dir), "-sharedDb", "-port", strconv.Itoa(port), "-disableTelemetry")
	if dataDir == "" {
		return append(args, "-inMemory")
	}
	return append(args, "-dbPath", dataDir)
}

// buildLauncher compiles LocalOnly.java and writes LocalOnly.jar and
// DynamoDBLocal-nocp.jar into emuDir. It needs javac.
func buildLauncher(ctx context.Context, emuDir string) error {
	javac, err := exec.LookPath("javac")
	if err != nil {
		return fmt.Errorf("no javac on PATH")
	}
	build, err := os.MkdirTemp(emuDir, ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(build)
	src := filepath.Join(build, "LocalOnly.java")
	if err := os.WriteFile(src, localOnlySource, 0o644); err != nil {
		return err
	}
	if _, err := run(ctx, build, javac, "--release", "11", "-d", build, src); err != nil {
		return err
	}
	class, err := os.ReadFile(filepath.Join(build, "LocalOnly.class"))
	if err != nil {
		return err
	}
	if err := copyJarWithoutManifest(filepath.Join(emuDir, "DynamoDBLocal.jar"), filepath.Join(emuDir, "DynamoDBLocal-nocp.jar")); err != nil {
		return err
	}
	libs, err := filepath.Glob(filepath.Join(emuDir, "DynamoDBLocal_lib", "*.jar"))
	if err != nil {
		return err
	}
	sort.Strings(libs)
	cp := []string{"DynamoDBLocal-nocp.jar"}
	for _, l := range libs {
		cp = append(cp, "DynamoDBLocal_lib/"+filepath.Base(l))
	}
	manifest := "Manifest-Version: 1.0\r\n" + manifestLine("Main-Class: LocalOnly") + manifestLine("Class-Path: "+strings.Join(cp, " ")) + "\r\n"
	return writeJar(filepath.Join(emuDir, "LocalOnly.jar"), map[string][]byte{
		"META-INF/MANIFEST.MF": []byte(manifest),
		"LocalOnly.class":      class,
	})
}

// manifestLine wraps a header at 72 bytes as the jar spec requires.
func manifestLine(s string) string {
	var b strings.Builder
	for first := true; len(s) > 0; first = false {
		n := 70
		if !first {
			b.WriteString(" ")
			n = 69
		}
		if n > len(s) {
			n = len(s)
		}
		b.WriteString(s[:n])
		b.WriteString("\r\n")
		s = s[n:]
	}
	return b.String()
}

func writeJar(path string, files map[string][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names) // META-INF/MANIFEST.MF first
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(files[n]); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func copyJarWithoutManifest(src, dst string) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		if strings.EqualFold(e.Name, "META-INF/MANIFEST.MF") {
			continue
		}
		r, err := e.OpenRaw()
		if err != nil {
			f.Close()
			return err
		}
		w, err := zw.CreateRaw(&e.FileHeader)
		if err != nil {
			f.Close()
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// javaKey identifies the installed JVM (a CDS archive only fits the JVM
// build that wrote it): its resolved path, size and modification time.
func javaKey() string {
	p, err := exec.LookPath("java")
	if err != nil {
		return ""
	}
	if p, err = filepath.EvalSymlinks(p); err != nil {
		return ""
	}
	st, err := os.Stat(p)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d", p, st.Size(), st.ModTime().UnixNano())))
	return hex.EncodeToString(sum[:6])
}

// cdsDone reports whether there is nothing left to do for the archive:
// it exists, an attempt failed for this JVM, or there is no launcher.
func cdsDone(dir string) bool {
	if !exists(launcherJar(dir)) {
		return true
	}
	key := javaKey()
	return key == "" || exists(cdsArchive(dir, key)) || exists(cdsArchive(dir, key)+".failed")
}

// makeCDS runs DynamoDB Local once through a small workload and writes the
// classes it loaded into an archive as it exits. Failure only costs speed.
func makeCDS(ctx context.Context, dir string, progress io.Writer) {
	key := javaKey()
	if key == "" {
		return
	}
	start := time.Now()
	fmt.Fprintln(progress, "preparing a class-data archive so DynamoDB Local starts faster (once per Java install)...")
	final := cdsArchive(dir, key)
	tmp := final + ".tmp"
	_ = os.Remove(tmp)
	err := func() error {
		port, err := FreePort()
		if err != nil {
			return err
		}
		args := append(jvmArgs(dir), "-sharedDb", "-port", strconv.Itoa(port), "-disableTelemetry", "-inMemory")
		// jvmArgs has no archive yet; add the dump option before -jar.
		args = append([]string{"-XX:ArchiveClassesAtExit=" + tmp}, args...)
		p, err := startProc("dynamodb", nil, emulatorDir(dir), childEnv(), "java", args...)
		if err != nil {
			return err
		}
		defer p.stop(60 * time.Second)
		s := &Set{DynamoDB: baseURL(port), http: &http.Client{Timeout: 10 * time.Second}}
		rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		defer cancel()
		if err := p.waitReady(rctx, s.probeDynamo); err != nil {
			return err
		}
		warmDynamo(rctx, s)
		// SIGTERM: the JVM writes the archive on its way out.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(60 * time.Second):
			return fmt.Errorf("JVM did not exit after writing the archive")
		}
		if st, err := os.Stat(tmp); err != nil || st.Size() == 0 {
			return fmt.Errorf("no archive written; output:\n%s", p.out.recent())
		}
		return os.Rename(tmp, final)
	}()
	if err != nil {
		_ = os.Remove(tmp)
		fmt.Fprintf(progress, "note: no class-data archive (DynamoDB Local starts a bit slower): %v\n", err)
		_ = os.WriteFile(final+".failed", []byte(err.Error()+"\n"), 0o644)
		return
	}
	fmt.Fprintf(progress, "class-data archive ready in %s\n", time.Since(start).Round(100*time.Millisecond))
}

// warmDynamo exercises the common request paths so their classes are
// loaded (and archived). Errors do not matter.
func warmDynamo(ctx context.Context, s *Set) {
	calls := [][2]string{
		{"CreateTable", `{"TableName":"warmup","BillingMode":"PAY_PER_REQUEST",
			"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],
			"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
			"GlobalSecondaryIndexes":[{"IndexName":"g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],
			"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}}`},
		{"DescribeTable", `{"TableName":"warmup"}`},
		{"PutItem", `{"TableName":"warmup","Item":{"pk":{"S":"a"},"sk":{"S":"b"},"g":{"S":"x"},"n":{"N":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}`},
		{"UpdateItem", `{"TableName":"warmup","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}`},
		{"GetItem", `{"TableName":"warmup","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConsistentRead":true}`},
		{"Query", `{"TableName":"warmup","IndexName":"g","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"S":"x"}}}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"warmup","Item":{"pk":{"S":"c"},"sk":{"S":"d"}},"ConditionExpression":"attribute_not_exists(pk)"}},{"Delete":{"TableName":"warmup","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}}}]}`},
		{"BatchGetItem", `{"RequestItems":{"warmup":{"Keys":[{"pk":{"S":"c"},"sk":{"S":"d"}}]}}}`},
		{"Scan", `{"TableName":"warmup"}`},
		{"DeleteTable", `{"TableName":"warmup"}`},
	}
	for _, c := range calls {
		_ = s.postJSON(ctx, s.DynamoDB, "DynamoDB_20120810."+c[0], "application/x-amz-json-1.0", c[1])
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
