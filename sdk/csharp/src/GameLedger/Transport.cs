using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace GameLedger
{
    /// <summary>One HTTP request as the client hands it to a transport.</summary>
    public sealed class HttpRequest
    {
        public string Method { get; set; }
        public string Url { get; set; }
        /// <summary>Request headers, Content-Type included when there is a body.</summary>
        public Dictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>The UTF-8 body, or null for none.</summary>
        public byte[] Body { get; set; }
        public TimeSpan Timeout { get; set; }
    }

    /// <summary>A complete HTTP response, whatever its status.</summary>
    public sealed class HttpResponse
    {
        public HttpResponse(int status, IDictionary<string, string> headers, byte[] body)
        {
            Status = status;
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (headers != null) foreach (var pair in headers) Headers[pair.Key] = pair.Value;
            Body = body ?? new byte[0];
        }

        public int Status { get; }
        /// <summary>Response headers, names case-insensitive.</summary>
        public Dictionary<string, string> Headers { get; }
        public byte[] Body { get; }
        public string Text { get { return Encoding.UTF8.GetString(Body); } }

        public string Header(string name)
        {
            string value;
            return Headers.TryGetValue(name, out value) ? value : null;
        }
    }

    /// <summary>
    /// How requests reach the service. Return a response for every HTTP status (4xx and 5xx
    /// included); throw <see cref="TransportException"/> when no complete response arrived
    /// (refused, reset, closed early, timed out). Unity plugs in UnityWebRequest; .NET and the
    /// tests use <c>HttpClientTransport</c>.
    /// </summary>
    public interface IHttpTransport
    {
        Task<HttpResponse> SendAsync(HttpRequest request, CancellationToken cancellationToken);
    }

    /// <summary>The request may or may not have reached the service: no response came back.</summary>
    public sealed class TransportException : Exception
    {
        public TransportException(string message, Exception inner = null) : base(message, inner) { }
    }
}
