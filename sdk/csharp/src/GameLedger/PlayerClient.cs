using System.Threading;
using System.Threading.Tasks;

namespace GameLedger
{
    /// <summary>
    /// What a game client does with a player's token: sign up, log in (with a rotating refresh
    /// token), read the wallet and history, top up, buy, use items, gift and trade. Every write
    /// sends an Idempotency-Key: pass your own to repeat a write across restarts, or let the
    /// client make one per call, the same on each of its retries.
    /// </summary>
    public sealed class PlayerClient
    {
        public PlayerClient(GameLedgerOptions options, Session session = null)
        {
            Connection = new LedgerConnection(options, session);
        }

        public LedgerConnection Connection { get; }
        public Session Session { get { return Connection.Session; } }

        public Task<SignupResponse> SignupAsync(SignupRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Signup, body, idempotencyKey, SignupResponse.FromJson, ct, authenticated: false);
        }

        public Task<LoginResponse> LoginAsync(string username, string password, bool refresh = true, long? accessTtl = null, CancellationToken ct = default(CancellationToken))
        {
            return Connection.LoginAsync(username, password, refresh, accessTtl, ct);
        }

        public Task RefreshAsync(CancellationToken ct = default(CancellationToken)) { return Connection.RefreshAsync(ct); }

        public Task LogoutAsync(CancellationToken ct = default(CancellationToken)) { return Connection.LogoutAsync(ct); }

        public Task<BalanceResponse> GetBalanceAsync(CancellationToken ct = default(CancellationToken))
        {
            return Read(Paths.Balance, BalanceResponse.FromJson, ct);
        }

        public Task<HistoryPage> GetHistoryAsync(int limit = 50, string cursor = null, CancellationToken ct = default(CancellationToken))
        {
            var query = "?limit=" + limit + (cursor == null ? "" : "&cursor=" + System.Uri.EscapeDataString(cursor));
            return Read(Paths.History + query, HistoryPage.FromJson, ct);
        }

        public Task<CatalogResponse> GetItemsAsync(CancellationToken ct = default(CancellationToken))
        {
            return Read(Paths.Items, CatalogResponse.FromJson, ct);
        }

        public Task<TopUpResponse> TopUpAsync(TopUpRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.TopUp, body, idempotencyKey, TopUpResponse.FromJson, ct);
        }

        /// <summary>Buy an item; <see cref="InsufficientFundsException"/> when the wallet cannot pay.</summary>
        public Task<PurchaseResponse> PurchaseAsync(PurchaseRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Purchase, body, idempotencyKey, PurchaseResponse.FromJson, ct);
        }

        public Task<UseResponse> UseItemAsync(string code, UseRequest body = null, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            var path = LedgerConnection.Expand(Paths.ItemsCodeUse, code);
            return Write(path, body ?? new UseRequest(), idempotencyKey, UseResponse.FromJson, ct);
        }

        /// <summary>A gift to another player.</summary>
        public Task<TransferResponse> GiftAsync(TransferRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Transfers, body, idempotencyKey, TransferResponse.FromJson, ct);
        }

        public Task<TradeResponse> OfferTradeAsync(TradeRequest body, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(Paths.Trades, body, idempotencyKey, TradeResponse.FromJson, ct);
        }

        public Task<TradeResponse> AcceptTradeAsync(string tradeId, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(LedgerConnection.Expand(Paths.TradesTradeIdAccept, tradeId), null, idempotencyKey, TradeResponse.FromJson, ct);
        }

        public Task<TradeResponse> DeclineTradeAsync(string tradeId, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(LedgerConnection.Expand(Paths.TradesTradeIdDecline, tradeId), null, idempotencyKey, TradeResponse.FromJson, ct);
        }

        public Task<TradeResponse> CancelTradeAsync(string tradeId, string idempotencyKey = null, CancellationToken ct = default(CancellationToken))
        {
            return Write(LedgerConnection.Expand(Paths.TradesTradeIdCancel, tradeId), null, idempotencyKey, TradeResponse.FromJson, ct);
        }

        public Task<TradeList> GetTradesAsync(string status = null, CancellationToken ct = default(CancellationToken))
        {
            var query = status == null ? "" : "?status=" + System.Uri.EscapeDataString(status);
            return Read(Paths.Trades + query, TradeList.FromJson, ct);
        }

        Task<T> Read<T>(string path, System.Func<object, T> read, CancellationToken ct)
        {
            return Connection.SendAsync(new ApiCall { Path = path, RetryOnNetworkError = true }, read, ct);
        }

        Task<T> Write<T>(string path, object body, string key, System.Func<object, T> read, CancellationToken ct, bool authenticated = true)
        {
            var call = new ApiCall
            {
                Method = "POST", Path = path, Body = body, Authenticated = authenticated,
                IdempotencyKey = Connection.KeyFor(key), RetryOnNetworkError = true,
            };
            return Connection.SendAsync(call, read, ct);
        }
    }
}
