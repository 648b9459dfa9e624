using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace GameLedger
{
    /// <summary>
    /// The transport over System.Net.Http (servers, tools, the tests; on Unity prefer the
    /// UnityWebRequest transport of sdk/csharp/unity, which works on every platform).
    /// </summary>
    public sealed class HttpClientTransport : IHttpTransport, IDisposable
    {
        readonly HttpClient client;
        readonly bool owned;

        public HttpClientTransport() : this(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }), true) { }

        public HttpClientTransport(HttpClient client, bool dispose = false)
        {
            this.client = client;
            owned = dispose;
            client.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // each request has its own
        }

        public async Task<HttpResponse> SendAsync(HttpRequest request, CancellationToken cancellationToken)
        {
            using (var message = ToMessage(request))
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                if (request.Timeout > TimeSpan.Zero) timeout.CancelAfter(request.Timeout);
                try
                {
                    using (var answer = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token))
                    {
                        var body = await answer.Content.ReadAsByteArrayAsync();
                        return new HttpResponse((int)answer.StatusCode, HeadersOf(answer), body);
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TransportException("no answer within " + request.Timeout.TotalSeconds + " s");
                }
                catch (Exception e) when (e is HttpRequestException || e is IOException || e is WebException || e is SocketException)
                {
                    throw new TransportException(e.Message, e);
                }
            }
        }

        static HttpRequestMessage ToMessage(HttpRequest request)
        {
            var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            // No 100-continue round trip before each body (the .NET Framework default).
            message.Headers.ExpectContinue = false;
            if (request.Body != null) message.Content = new ByteArrayContent(request.Body);
            foreach (var pair in request.Headers)
            {
                if (pair.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    if (message.Content != null) message.Content.Headers.TryAddWithoutValidation(pair.Key, pair.Value);
                }
                else message.Headers.TryAddWithoutValidation(pair.Key, pair.Value);
            }
            return message;
        }

        static Dictionary<string, string> HeadersOf(HttpResponseMessage answer)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var h in answer.Headers) headers[h.Key] = string.Join(", ", h.Value.ToArray());
            foreach (var h in answer.Content.Headers) headers[h.Key] = string.Join(", ", h.Value.ToArray());
            return headers;
        }

        public void Dispose()
        {
            if (owned) client.Dispose();
        }
    }
}
