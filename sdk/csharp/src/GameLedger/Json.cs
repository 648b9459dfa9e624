using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace GameLedger
{
    /// <summary>A body type that writes itself as a JSON object (the generated models do).</summary>
    public interface IJsonObject
    {
        Dictionary<string, object> ToJson();
    }

    /// <summary>JSON that could not be read, or a value that cannot be written.</summary>
    public sealed class JsonException : Exception
    {
        public JsonException(string message) : base(message) { }
    }

    /// <summary>
    /// A small, self-contained JSON reader and writer (Unity ships no System.Text.Json).
    /// Parsed JSON is plain .NET: <c>Dictionary&lt;string, object&gt;</c>, <c>List&lt;object&gt;</c>,
    /// <c>string</c>, <c>long</c> (integers that fit), <c>double</c>, <c>bool</c> and <c>null</c>.
    /// The To* helpers convert that to the generated models' member types.
    /// </summary>
    public static class Json
    {
        const int MaxDepth = 128;

        public static object Parse(string text)
        {
            if (text == null) throw new ArgumentNullException("text");
            var reader = new JsonReader(text);
            var value = reader.ReadValue(0);
            reader.SkipSpace();
            if (!reader.AtEnd) throw reader.Fail("unexpected text after the value");
            return value;
        }

        public static string Write(object value)
        {
            var sb = new StringBuilder();
            WriteValue(sb, value, 0);
            return sb.ToString();
        }

        static void WriteValue(StringBuilder sb, object value, int depth)
        {
            if (depth > MaxDepth) throw new JsonException("JSON nested too deeply");
            if (value == null) { sb.Append("null"); return; }
            var s = value as string;
            if (s != null) { WriteString(sb, s); return; }
            if (value is bool) { sb.Append((bool)value ? "true" : "false"); return; }
            if (value is long || value is int || value is short || value is byte || value is sbyte
                || value is ulong || value is uint || value is ushort)
            {
                sb.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            }
            if (value is double || value is float || value is decimal)
            {
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsNaN(d) || double.IsInfinity(d)) throw new JsonException("JSON has no NaN or infinity");
                sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
                return;
            }
            var model = value as IJsonObject;
            if (model != null) { WriteValue(sb, model.ToJson(), depth + 1); return; }
            var map = value as IDictionary;
            if (map != null) { WriteObject(sb, map, depth); return; }
            var list = value as IEnumerable;
            if (list != null) { WriteArray(sb, list, depth); return; }
            throw new JsonException("cannot write a " + value.GetType().Name + " as JSON");
        }

        static void WriteObject(StringBuilder sb, IDictionary map, int depth)
        {
            sb.Append('{');
            var first = true;
            foreach (DictionaryEntry entry in map)
            {
                var key = entry.Key as string;
                if (key == null) throw new JsonException("JSON object keys are strings");
                if (!first) sb.Append(',');
                first = false;
                WriteString(sb, key);
                sb.Append(':');
                WriteValue(sb, entry.Value, depth + 1);
            }
            sb.Append('}');
        }

        static void WriteArray(StringBuilder sb, IEnumerable list, int depth)
        {
            sb.Append('[');
            var first = true;
            foreach (var item in list)
            {
                if (!first) sb.Append(',');
                first = false;
                WriteValue(sb, item, depth + 1);
            }
            sb.Append(']');
        }

        static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (var c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20 || c == '\u2028' || c == '\u2029')
                            sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
        }

        // Conversions from parsed JSON, used by the generated FromJson methods.

        public static long ToLong(object v)
        {
            if (v is long) return (long)v;
            if (v is double && Math.Floor((double)v) == (double)v && Math.Abs((double)v) < 9.2e18) return (long)(double)v;
            throw Mismatch("an integer", v);
        }

        public static long? ToNullableLong(object v) { return v == null ? (long?)null : ToLong(v); }

        public static double ToDouble(object v)
        {
            if (v is double) return (double)v;
            if (v is long) return (long)v;
            throw Mismatch("a number", v);
        }

        public static double? ToNullableDouble(object v) { return v == null ? (double?)null : ToDouble(v); }

        public static bool ToBool(object v)
        {
            if (v is bool) return (bool)v;
            throw Mismatch("true or false", v);
        }

        public static bool? ToNullableBool(object v) { return v == null ? (bool?)null : ToBool(v); }

        public static string ToStr(object v)
        {
            if (v == null || v is string) return (string)v;
            throw Mismatch("a string", v);
        }

        public static List<T> ToList<T>(object v, Func<object, T> convert)
        {
            if (v == null) return null;
            var items = v as List<object>;
            if (items == null) throw Mismatch("an array", v);
            var result = new List<T>(items.Count);
            foreach (var item in items) result.Add(convert(item));
            return result;
        }

        public static Dictionary<string, T> ToMap<T>(object v, Func<object, T> convert)
        {
            var o = ToObject(v, "object");
            if (o == null) return null;
            var result = new Dictionary<string, T>(o.Count);
            foreach (var pair in o) result[pair.Key] = convert(pair.Value);
            return result;
        }

        public static Dictionary<string, object> ToObject(object v, string what)
        {
            if (v == null) return null;
            var o = v as Dictionary<string, object>;
            if (o == null) throw Mismatch("an object (" + what + ")", v);
            return o;
        }

        static JsonException Mismatch(string wanted, object got)
        {
            var kind = got == null ? "null" : got.GetType().Name;
            return new JsonException("expected " + wanted + ", got " + kind);
        }
    }

    sealed class JsonReader
    {
        readonly string text;
        int pos;

        public JsonReader(string text) { this.text = text; }

        public bool AtEnd { get { return pos >= text.Length; } }

        public JsonException Fail(string why)
        {
            return new JsonException("invalid JSON at " + pos + ": " + why);
        }

        public void SkipSpace()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
        }

        public object ReadValue(int depth)
        {
            if (depth > 128) throw Fail("nested too deeply");
            SkipSpace();
            if (AtEnd) throw Fail("unexpected end");
            var c = text[pos];
            if (c == '{') return ReadObject(depth);
            if (c == '[') return ReadArray(depth);
            if (c == '"') return ReadString();
            if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
            if (Literal("true")) return true;
            if (Literal("false")) return false;
            if (Literal("null")) return null;
            throw Fail("unexpected character '" + c + "'");
        }

        bool Literal(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) return false;
            pos += word.Length;
            return true;
        }

        Dictionary<string, object> ReadObject(int depth)
        {
            var result = new Dictionary<string, object>();
            pos++;
            SkipSpace();
            if (!AtEnd && text[pos] == '}') { pos++; return result; }
            while (true)
            {
                SkipSpace();
                if (AtEnd || text[pos] != '"') throw Fail("expected a member name");
                var key = ReadString();
                SkipSpace();
                if (AtEnd || text[pos] != ':') throw Fail("expected ':'");
                pos++;
                result[key] = ReadValue(depth + 1);
                SkipSpace();
                if (AtEnd) throw Fail("unterminated object");
                if (text[pos] == ',') { pos++; continue; }
                if (text[pos] == '}') { pos++; return result; }
                throw Fail("expected ',' or '}'");
            }
        }

        List<object> ReadArray(int depth)
        {
            var result = new List<object>();
            pos++;
            SkipSpace();
            if (!AtEnd && text[pos] == ']') { pos++; return result; }
            while (true)
            {
                result.Add(ReadValue(depth + 1));
                SkipSpace();
                if (AtEnd) throw Fail("unterminated array");
                if (text[pos] == ',') { pos++; continue; }
                if (text[pos] == ']') { pos++; return result; }
                throw Fail("expected ',' or ']'");
            }
        }

        string ReadString()
        {
            pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw Fail("unterminated string");
                var c = text[pos++];
                if (c == '"') return sb.ToString();
                if (c < 0x20) throw Fail("control character in a string");
                if (c != '\\') { sb.Append(c); continue; }
                if (AtEnd) throw Fail("unterminated escape");
                var e = text[pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        int code;
                        if (pos + 4 > text.Length || !int.TryParse(text.Substring(pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
                            throw Fail("bad \\u escape");
                        sb.Append((char)code);
                        pos += 4;
                        break;
                    default: throw Fail("bad escape");
                }
            }
        }

        object ReadNumber()
        {
            var start = pos;
            if (text[pos] == '-') pos++;
            var integral = true;
            while (pos < text.Length)
            {
                var c = text[pos];
                if (c >= '0' && c <= '9') { pos++; continue; }
                if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { integral = false; pos++; continue; }
                break;
            }
            var token = text.Substring(start, pos - start);
            long whole;
            if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole)) return whole;
            double d;
            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return d;
            throw Fail("bad number '" + token + "'");
        }
    }
}
