"""Azure Functions entry point (Python v2 model): registers the blueprint in azure_function/."""

import azure.functions as func

from azure_function.blueprint import bp

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(bp)
